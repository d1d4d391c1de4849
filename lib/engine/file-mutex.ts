import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * A mutex between processes, made of one file: whoever creates it holds it.
 * It guards short critical sections (reading and changing the holders of a
 * deploy lock, merging the secret store) and works between processes of one
 * machine and on a state folder shared by several.
 *
 * Taking it is one atomic step: the owner's record is written to a temporary
 * file and hard-linked to the mutex path, which fails when the path exists,
 * so the mutex never exists without its owner's record. An owner that died on
 * this host is broken atomically: the breaker first creates a marker named
 * after the dead owner's token (create-exclusive), and only the one process
 * that created it may remove that owner's mutex. Two processes that both see
 * the same dead owner can therefore never both remove a mutex, nor remove the
 * one a third process has taken since. Markers stay behind (one per crash
 * inside a critical section); `--force-unlock` clears them.
 */

/** Who holds a mutex: enough to tell whether it still runs, and to name it. */
export interface MutexOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
  /** Unique per taking: tells this holding apart from a later one of the same process. */
  readonly token: string;
}

export interface FileMutexOptions {
  /** How long to wait (polling with backoff) for a live owner to let go. */
  readonly timeoutMs: number;
  /**
   * When the wait ends, break the mutex once even though its owner may live
   * (the operator said so: `--force-unlock`), instead of failing.
   */
  readonly force?: boolean | undefined;
  /** The error to throw when the wait ends; `owner` is undefined when its record cannot be read. */
  readonly busy: (owner: MutexOwner | undefined) => Error;
}

/**
 * Whether `pid` on `host` is known to be gone: a process of this host that no
 * longer runs. A process of another host cannot be checked and is never gone.
 */
export function processIsGone(pid: number, host: string): boolean {
  // 0 and negative pids would signal process groups.
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Filesystems without hard links answer these; there, an exclusive create stands in. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates `path` holding `content` unless it exists, in one atomic step:
 * returns false when it exists. Readers never see it empty (where hard links
 * work), so a record read from it is whole.
 */
export function createFileExclusively(path: string, content: string): boolean {
  const tmp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  try {
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Runs `critical` holding the mutex at `path` (the folder must exist); releases it however `critical` ends. */
export function withFileMutex<T>(path: string, options: FileMutexOptions, critical: () => T): T {
  const mine = take(path, options);
  try {
    return critical();
  } finally {
    release(path, mine);
  }
}

interface Found {
  /** Undefined when the record cannot be read: such an owner is never judged gone. */
  readonly owner: MutexOwner | undefined;
  /** Names this one holding, for the break marker. */
  readonly key: string;
}

function take(path: string, options: FileMutexOptions): MutexOwner {
  const deadline = Date.now() + options.timeoutMs;
  let pause = 1;
  let forced = false;
  for (;;) {
    const mine: MutexOwner = {
      pid: process.pid,
      hostname: hostname(),
      since: new Date().toISOString(),
      token: randomBytes(12).toString('hex'),
    };
    if (createFileExclusively(path, JSON.stringify(mine))) return mine;
    const found = read(path);
    if (found?.owner && processIsGone(found.owner.pid, found.owner.hostname)) {
      breakHolding(path, found.key);
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      if (found && options.force && !forced) {
        forced = true;
        breakHolding(path, found.key);
        continue;
      }
      throw options.busy(found?.owner);
    }
    // Released between our attempt and our read: try again at once.
    if (!found) continue;
    sleepSync(Math.min(pause, left));
    pause = Math.min(pause * 2, 10);
  }
}

function release(path: string, mine: MutexOwner): void {
  // Only our own holding: a forced break may have handed the path to another process.
  if (read(path)?.owner?.token === mine.token) rmSync(path, { force: true });
}

/** Removes one holding of the mutex, unless another process is already breaking that same holding. */
function breakHolding(path: string, key: string): void {
  try {
    writeFileSync(`${path}.broken-${key}`, '', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  // The marker is ours, so this holding is ours to remove, and it is still at `path`: its owner
  // is gone (or the operator forced it) and no other breaker got this marker.
  rmSync(path, { force: true });
}

/** The prefix of the break markers of the mutex at `path` (for `--force-unlock` to clear). */
export function breakMarkerPrefix(path: string): string {
  return `${path}.broken-`;
}

const TOKEN = /^[0-9a-f]{8,64}$/;

function read(path: string): Found | undefined {
  let text: string;
  let id: string;
  try {
    text = readFileSync(path, 'utf8');
    const st = statSync(path, { bigint: true });
    id = `${st.ino}-${st.ctimeNs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const owner = parseOwner(text);
  // The token names a file: only a well-formed one is used; anything else is keyed by the inode.
  return { owner, key: owner ? owner.token : id };
}

function parseOwner(text: string): MutexOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<MutexOwner> | null;
    if (
      v &&
      typeof v.pid === 'number' &&
      typeof v.hostname === 'string' &&
      typeof v.since === 'string' &&
      typeof v.token === 'string' &&
      TOKEN.test(v.token)
    )
      return { pid: v.pid, hostname: v.hostname, since: v.since, token: v.token };
  } catch {
    // An unreadable record: the owner cannot be judged.
  }
  return undefined;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread: the critical sections are short and their callers synchronous. */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, Math.max(1, ms));
}
