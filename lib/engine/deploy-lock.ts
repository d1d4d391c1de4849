import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { BUG_HINT, EngineError } from './engine-errors.ts';
import { breakMarkerPrefix, createFileExclusively, processIsGone, withFileMutex } from './file-mutex.ts';
import { makePrivateDir } from './private-dir.ts';

/**
 * The lock that keeps deploys of one stack apart, between processes of one
 * machine and on a state folder several machines share.
 *
 * Two modes. A deploy that changes a stack holds it `exclusive`: nobody else
 * holds it meanwhile. A deploy that only reads a stack (a dependency with
 * nothing to change, read for its outputs) holds it `shared`: any number of
 * shared holders coexist, and they keep an exclusive holder out. A shared
 * holding is never upgraded in place: release it and acquire `exclusive`
 * (another process may take the stack in between, so read it again then).
 *
 * On disk, in `<stateDir>/state/<remote>/`:
 * - `<stack>.lock`: the exclusive holder's record (the file earlier pvecdk
 *   versions create, so they and this one keep each other out);
 * - `<stack>.shared/<pid>-<token>.json`: one record per shared holder;
 * - `<stack>.lock-mutex`: a short-lived file mutex (file-mutex.ts) held while
 *   the holders are read and one is added or removed, so deciding and taking
 *   is one step for every process that uses it.
 * A holder of this host whose process no longer runs is stale: the next
 * process in the mutex removes it, so exactly one process takes it over.
 */

export type LockMode = 'exclusive' | 'shared';

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly startedAt: string;
}

/** One holder of a stack's lock, as `pvecdk ls` and the errors name it. */
export interface LockHolder extends LockInfo {
  readonly mode: LockMode;
}

/** Waiting for a lock held by others instead of refusing at once. */
export interface LockWait {
  /** How long to wait in all; then ENGINE_LOCKED as without a wait. */
  readonly timeoutMs: number;
  /** Called when the wait starts and whenever the holders in the way change (to show "waiting for ..."). */
  readonly onWait?: ((holders: readonly LockHolder[]) => void) | undefined;
  /** Stops the wait (Ctrl-C): the acquire rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

export interface AcquireLockOptions {
  /** `exclusive` (the default) to change the stack, `shared` to only read it. */
  readonly mode?: LockMode | undefined;
  /**
   * `--force-unlock`: the operator says the holders in the way are dead (on
   * another machine, or stuck). They are removed: every holder for an
   * exclusive lock, the exclusive holder for a shared one.
   */
  readonly force?: boolean | undefined;
}

export interface HeldLock {
  readonly mode: LockMode;
  /** This holder's record. */
  readonly file: string;
  /** The first of `removed`: set when a stale (or, forced, a live) holder was taken over. */
  readonly tookOverFrom: LockHolder | undefined;
  /** Holders removed to take the lock: stale ones of this host, or those in the way when forced. */
  readonly removed: readonly LockHolder[];
  /** Lets go of the lock; only ever removes this holder's own record. Calling it again does nothing. */
  release(): void;
  /**
   * Turns an exclusive holding into a shared one in one step (inside the
   * mutex), so no other deploy can change the stack in between: what the
   * stack's dependants read stays what was just deployed. A shared holding
   * is returned as it is. This holding is released either way.
   */
  downgrade(): HeldLock;
}

/** How long the critical section's mutex is waited for: it is held for milliseconds. */
const MUTEX_WAIT_MS = 10_000;
const FORCE_HINT = 'wait for it to finish; if it died on another machine, run again with --force-unlock';

interface LockPaths {
  readonly dir: string;
  readonly exclusive: string;
  readonly shared: string;
  readonly mutex: string;
}

function lockPaths(stateDir: string, remote: string, stack: string): LockPaths {
  const dir = join(stateDir, 'state', remote);
  return {
    dir,
    exclusive: join(dir, `${stack}.lock`),
    shared: join(dir, `${stack}.shared`),
    mutex: join(dir, `${stack}.lock-mutex`),
  };
}

const RecordSchema = z.object({
  pid: z.number().int(),
  hostname: z.string(),
  command: z.string(),
  startedAt: z.string(),
  // Records of earlier versions have neither: they were exclusive, and told apart by pid and startedAt.
  mode: z.enum(['exclusive', 'shared']).optional(),
  token: z.string().optional(),
});

interface Entry {
  readonly file: string;
  readonly holder: LockHolder;
  /** Undefined when the record cannot be read: its holder cannot be judged, and is never stale. */
  readonly token: string | undefined;
  readonly readable: boolean;
}

function unknownEntry(file: string, mode: LockMode): Entry {
  return {
    file,
    holder: { mode, pid: 0, hostname: 'unknown', command: 'unknown', startedAt: 'unknown' },
    token: undefined,
    readable: false,
  };
}

function readEntry(file: string, mode: LockMode): Entry | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let parsed: ReturnType<typeof RecordSchema.safeParse> | undefined;
  try {
    parsed = RecordSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) return unknownEntry(file, mode);
  const { pid, hostname: host, command, startedAt, token } = parsed.data;
  return { file, holder: { mode, pid, hostname: host, command, startedAt }, token, readable: true };
}

/** The exclusive holder first, then the shared ones by age (then command, for a stable order). */
function readEntries(paths: LockPaths): Entry[] {
  const exclusive = readEntry(paths.exclusive, 'exclusive');
  let names: string[] = [];
  try {
    names = readdirSync(paths.shared).filter((n) => n.endsWith('.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const shared = names
    .map((n) => readEntry(join(paths.shared, n), 'shared'))
    .filter((e): e is Entry => e !== undefined)
    .sort(
      (a, b) =>
        a.holder.startedAt.localeCompare(b.holder.startedAt) ||
        a.holder.command.localeCompare(b.holder.command) ||
        a.file.localeCompare(b.file),
    );
  return exclusive ? [exclusive, ...shared] : shared;
}

function conflicts(wanted: LockMode, held: LockMode): boolean {
  return wanted === 'exclusive' || held === 'exclusive';
}

type Attempt = { readonly held: HeldLock } | { readonly blockedBy: readonly Entry[] };

function lockedError(
  stack: string,
  remote: string,
  blockedBy: readonly Entry[],
  waitedMs?: number,
): EngineError {
  const by = (e: Entry) =>
    `'${e.holder.command}' (pid ${e.holder.pid} on ${e.holder.hostname}) since ${e.holder.startedAt}`;
  const unreadable = blockedBy.find((e) => !e.readable);
  const exclusive = blockedBy.find((e) => e.holder.mode === 'exclusive');
  const what = unreadable
    ? `is locked (${unreadable.file})`
    : exclusive
      ? `is being changed by ${by(exclusive)}`
      : `is being read by ${blockedBy.map(by).join(', and by ')}`;
  const waited = waitedMs === undefined ? '' : `, still after waiting ${Math.round(waitedMs / 1000)} s`;
  return new EngineError('ENGINE_LOCKED', `stack ${stack} on ${remote} ${what}${waited}`, FORCE_HINT);
}

function mutexOptions(stack: string, remote: string, paths: LockPaths, force: boolean | undefined) {
  return {
    timeoutMs: MUTEX_WAIT_MS,
    force,
    busy: (owner: { pid: number; hostname: string; since: string } | undefined) =>
      new EngineError(
        'ENGINE_LOCKED',
        owner
          ? `the lock of stack ${stack} on ${remote} is being updated by pid ${owner.pid} on ${owner.hostname} since ${owner.since} (${paths.mutex})`
          : `the lock of stack ${stack} on ${remote} is being updated by another process (${paths.mutex})`,
        FORCE_HINT,
      ),
  };
}

/** One try, inside the mutex: clean up stale holders, then take the lock or name who is in the way. */
function attempt(
  stack: string,
  remote: string,
  paths: LockPaths,
  command: string,
  mode: LockMode,
  force: boolean | undefined,
): Attempt {
  makePrivateDir(paths.dir);
  return withFileMutex(paths.mutex, mutexOptions(stack, remote, paths, force), () => {
    const removed: LockHolder[] = [];
    const blockedBy: Entry[] = [];
    for (const entry of readEntries(paths)) {
      const inTheWay = conflicts(mode, entry.holder.mode);
      if ((entry.readable && processIsGone(entry.holder.pid, entry.holder.hostname)) || (force && inTheWay)) {
        rmSync(entry.file, { force: true });
        removed.push(entry.holder);
      } else if (inTheWay) blockedBy.push(entry);
    }
    if (blockedBy.length > 0) return { blockedBy };
    if (mode === 'shared') {
      const record = addSharedRecord(paths, command);
      if (!record) return { blockedBy: [unknownEntry(paths.shared, mode)] };
      return { held: heldLock(stack, remote, paths, record.file, mode, record.token, removed) };
    }
    const token = randomBytes(12).toString('hex');
    const record = {
      mode,
      pid: process.pid,
      hostname: hostname(),
      command,
      startedAt: new Date().toISOString(),
      token,
    };
    if (!createFileExclusively(paths.exclusive, `${JSON.stringify(record)}\n`)) {
      // Taken by a process outside this protocol (an earlier pvecdk, which uses no mutex).
      return { blockedBy: [readEntry(paths.exclusive, mode) ?? unknownEntry(paths.exclusive, mode)] };
    }
    return { held: heldLock(stack, remote, paths, paths.exclusive, mode, token, removed) };
  });
}

/** Writes this process's record of a shared holding; false when the file exists already. */
function addSharedRecord(paths: LockPaths, command: string): { file: string; token: string } | undefined {
  const token = randomBytes(12).toString('hex');
  const record = {
    mode: 'shared',
    pid: process.pid,
    hostname: hostname(),
    command,
    startedAt: new Date().toISOString(),
    token,
  };
  makePrivateDir(paths.shared);
  const file = join(paths.shared, `${process.pid}-${token}.json`);
  return createFileExclusively(file, `${JSON.stringify(record)}\n`) ? { file, token } : undefined;
}

function rmdirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'ENOENT' && code !== 'EEXIST') throw e;
  }
}

function heldLock(
  stack: string,
  remote: string,
  paths: LockPaths,
  file: string,
  mode: LockMode,
  token: string,
  removed: readonly LockHolder[],
): HeldLock {
  let released = false;
  const removeIfMine = () => {
    if (readEntry(file, mode)?.token === token) rmSync(file, { force: true });
  };
  const self: HeldLock = {
    mode,
    file,
    tookOverFrom: removed[0],
    removed,
    downgrade: () => {
      if (mode === 'shared' || released) return self;
      const next = withFileMutex(paths.mutex, mutexOptions(stack, remote, paths, false), () => {
        const mine = readEntry(file, mode);
        // Someone broke this holding (--force-unlock): the stack is theirs now, not ours to read.
        if (mine?.token !== token) return 'lost' as const;
        const record = addSharedRecord(paths, mine.holder.command);
        rmSync(file, { force: true });
        return record;
      });
      released = true;
      if (next === 'lost')
        throw lockedError(
          stack,
          remote,
          readEntries(paths).filter((e) => e.holder.mode === 'exclusive'),
        );
      if (!next)
        throw new EngineError(
          'ENGINE_INTERNAL',
          `the shared lock record of stack ${stack} on ${remote} could not be created: its random name exists`,
          BUG_HINT,
        );
      return heldLock(stack, remote, paths, next.file, 'shared', next.token, []);
    },
    release: () => {
      if (released) return;
      released = true;
      // A shared record's name is ours alone. The exclusive path is everyone's: check and remove it
      // inside the mutex, so a holder forced in meanwhile keeps its record.
      if (mode === 'shared') {
        rmSync(file, { force: true });
        // The last reader removes the folder, inside the mutex so no reader is adding its record to it.
        try {
          withFileMutex(paths.mutex, mutexOptions(stack, remote, paths, false), () =>
            rmdirIfEmpty(paths.shared),
          );
        } catch {
          // Only tidiness is lost: an empty folder stays until the next release.
        }
        return;
      }
      try {
        withFileMutex(paths.mutex, mutexOptions(stack, remote, paths, false), removeIfMine);
      } catch {
        removeIfMine();
      }
    },
  };
  return self;
}

/**
 * Takes a stack's lock in `mode` (exclusive unless asked). A holder in the way
 * is refused with ENGINE_LOCKED naming it (command, pid, host, since when) and
 * `--force-unlock` as the hint; with `wait`, the lock is polled with backoff
 * until it is free or the wait ends, and the call returns a promise.
 * Stale holders (dead processes of this host) are removed on the way, and
 * reported in `removed` / `tookOverFrom`.
 */
export function acquireDeployLock(
  stateDir: string,
  remote: string,
  stack: string,
  command: string,
  options: AcquireLockOptions & { readonly wait: LockWait },
): Promise<HeldLock>;
export function acquireDeployLock(
  stateDir: string,
  remote: string,
  stack: string,
  command: string,
  options?: AcquireLockOptions,
): HeldLock;
export function acquireDeployLock(
  stateDir: string,
  remote: string,
  stack: string,
  command: string,
  options: AcquireLockOptions & { readonly wait?: LockWait } = {},
): HeldLock | Promise<HeldLock> {
  const paths = lockPaths(stateDir, remote, stack);
  const mode = options.mode ?? 'exclusive';
  if (options.wait) return waitForLock(stack, remote, paths, command, mode, options.force, options.wait);
  const first = attempt(stack, remote, paths, command, mode, options.force);
  if ('held' in first) return first.held;
  throw lockedError(stack, remote, first.blockedBy);
}

async function waitForLock(
  stack: string,
  remote: string,
  paths: LockPaths,
  command: string,
  mode: LockMode,
  force: boolean | undefined,
  wait: LockWait,
): Promise<HeldLock> {
  const started = Date.now();
  let pause = 100;
  let shown = '';
  for (;;) {
    wait.signal?.throwIfAborted();
    const next = attempt(stack, remote, paths, command, mode, force);
    if ('held' in next) return next.held;
    const holders = next.blockedBy.map((e) => e.holder);
    const seen = JSON.stringify(holders);
    if (seen !== shown) {
      shown = seen;
      wait.onWait?.(holders);
    }
    const left = started + wait.timeoutMs - Date.now();
    if (left <= 0) throw lockedError(stack, remote, next.blockedBy, Date.now() - started);
    // Jittered, so processes waiting for one holder do not all retry at the same moment.
    try {
      await sleep(Math.min(left, pause * (0.75 + Math.random() / 2)), undefined, { signal: wait.signal });
    } catch (e) {
      wait.signal?.throwIfAborted();
      throw e;
    }
    pause = Math.min(pause * 1.5, 2000);
  }
}

/**
 * Removes every holder of a stack's lock, whoever they are (`--force-unlock`),
 * and what crashed processes left of its mutex. Returns whether there was one.
 */
export function forceUnlock(stateDir: string, remote: string, stack: string): boolean {
  const paths = lockPaths(stateDir, remote, stack);
  makePrivateDir(paths.dir);
  return withFileMutex(paths.mutex, mutexOptions(stack, remote, paths, true), () => {
    const entries = readEntries(paths);
    for (const entry of entries) rmSync(entry.file, { force: true });
    const markers = basename(breakMarkerPrefix(paths.mutex));
    for (const name of readdirSync(dirname(paths.mutex)))
      if (name.startsWith(markers)) rmSync(join(dirname(paths.mutex), name), { force: true });
    return entries.length > 0;
  });
}

/** Everyone holding a stack's lock, the exclusive holder first, then shared ones by age (for `pvecdk ls`). */
export function lockHolders(stateDir: string, remote: string, stack: string): LockHolder[] {
  return readEntries(lockPaths(stateDir, remote, stack)).map((e) => e.holder);
}

/** The first of `lockHolders`, if anyone holds the lock. */
export function lockHolder(stateDir: string, remote: string, stack: string): LockHolder | undefined {
  return lockHolders(stateDir, remote, stack)[0];
}
