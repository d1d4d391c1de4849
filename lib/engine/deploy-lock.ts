import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { EngineError } from './engine-errors.ts';

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly startedAt: string;
}

export interface HeldLock {
  readonly file: string;
  /** Set when a stale lock (a dead process on this host) was taken over. */
  readonly tookOverFrom: LockInfo | undefined;
  release(): void;
}

function lockFile(stateDir: string, remote: string, stack: string): string {
  return join(stateDir, 'state', remote, `${stack}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock that keeps two deploys of one stack apart: a file created
 * exclusively, naming who holds it. A lock left by a process of this host
 * that no longer runs is stale and taken over; anything else is refused with
 * the holder named and how to force it.
 */
export function acquireDeployLock(
  stateDir: string,
  remote: string,
  stack: string,
  command: string,
  options: { readonly force?: boolean | undefined } = {},
): HeldLock {
  const file = lockFile(stateDir, remote, stack);
  mkdirSync(dirname(file), { recursive: true });
  const mine: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    command,
    startedAt: new Date().toISOString(),
  };
  let tookOverFrom: LockInfo | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return {
        file,
        tookOverFrom,
        release: () => {
          // Only our own lock: a force-unlocked and re-taken lock belongs to someone else.
          if (read(file)?.pid === mine.pid && read(file)?.startedAt === mine.startedAt)
            rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = read(file);
    // Forced: the operator says the holder is dead (on another machine, or a stuck process).
    if (options.force || (holder && holder.hostname === hostname() && !alive(holder.pid))) {
      tookOverFrom = holder ?? { pid: 0, hostname: 'unknown', command: 'unknown', startedAt: 'unknown' };
      rmSync(file, { force: true });
      continue;
    }
    throw new EngineError(
      'ENGINE_LOCKED',
      holder
        ? `stack ${stack} on ${remote} is being changed by '${holder.command}' (pid ${holder.pid} on ${holder.hostname}) since ${holder.startedAt}`
        : `stack ${stack} on ${remote} is locked (${file})`,
      `wait for it to finish; if it died on another machine, run again with --force-unlock`,
    );
  }
  throw new EngineError('ENGINE_LOCKED', `stack ${stack} on ${remote}: could not take the lock ${file}`);
}

/** Removes the lock whoever holds it (`--force-unlock`). Returns whether there was one. */
export function forceUnlock(stateDir: string, remote: string, stack: string): boolean {
  const file = lockFile(stateDir, remote, stack);
  const existed = existsSync(file);
  rmSync(file, { force: true });
  return existed;
}

/** Who holds a stack's lock, if anyone (for `pvecdk ls`). */
export function lockHolder(stateDir: string, remote: string, stack: string): LockInfo | undefined {
  const file = lockFile(stateDir, remote, stack);
  return existsSync(file)
    ? (read(file) ?? { pid: 0, hostname: 'unknown', command: 'unknown', startedAt: 'unknown' })
    : undefined;
}
