import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { AcquireLockOptions, LockHolder, LockMode, LockWait } from '../deploy-lock.ts';
import { EngineError } from '../engine-errors.ts';
import type { BackendLock } from './state-backend.ts';

/**
 * Deploy locks as PostgreSQL advisory locks, each on a session of its own:
 * PostgreSQL releases it when that session ends, however the process holding
 * it ended (a SIGKILL closes its socket), so no stale lock survives a killed
 * deploy. Beside each lock, a row of `pvecdk_lock_holder` says who holds it
 * (command, pid, host, since when); a row counts only while its session holds
 * the advisory lock (pg_locks), so a dead holder's row is ignored, and removed
 * by the next taker.
 */

const FORCE_HINT = 'wait for it to finish; if it is stuck, run again with --force-unlock';

/** The advisory lock's key: one bigint per (remote, stack), computed by PostgreSQL. */
export function lockKey(remote: string, stack: string): string {
  return `pvecdk:lock:${remote}/${stack}`;
}

interface HolderRow {
  session_pid: number;
  mode: LockMode;
  pid: number;
  hostname: string;
  command: string;
  started_at: string;
  live: boolean;
}

/** The holder rows of a stack, with whether each one's session still holds the lock. */
async function holderRows(client: pg.ClientBase, remote: string, stack: string): Promise<HolderRow[]> {
  const result = await client.query<HolderRow>(
    `SELECT h.session_pid, h.mode, h.pid, h.hostname, h.command, h.started_at,
            EXISTS (
              SELECT 1 FROM pg_locks l
              WHERE l.locktype = 'advisory' AND l.granted AND l.pid = h.session_pid
                AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($3, 0)
            ) AS live
       FROM pvecdk_lock_holder h
      WHERE h.remote = $1 AND h.stack = $2
      ORDER BY (h.mode = 'exclusive') DESC, h.started_at, h.command, h.session_pid`,
    [remote, stack, lockKey(remote, stack)],
  );
  return result.rows;
}

function holderOf(row: HolderRow): LockHolder {
  return {
    mode: row.mode,
    pid: row.pid,
    hostname: row.hostname,
    command: row.command,
    startedAt: row.started_at,
  };
}

/** Who holds a stack's lock now (live holders only), the exclusive one first. */
export async function pgLockHolders(
  client: pg.ClientBase,
  remote: string,
  stack: string,
): Promise<LockHolder[]> {
  return (await holderRows(client, remote, stack)).filter((r) => r.live).map(holderOf);
}

function lockedError(stack: string, remote: string, holders: readonly LockHolder[], waitedMs?: number) {
  const by = (h: LockHolder) => `'${h.command}' (pid ${h.pid} on ${h.hostname}) since ${h.startedAt}`;
  const exclusive = holders.find((h) => h.mode === 'exclusive');
  const what =
    holders.length === 0
      ? 'is locked by a session that has not said who it is yet'
      : exclusive
        ? `is being changed by ${by(exclusive)}`
        : `is being read by ${holders.map(by).join(', and by ')}`;
  const waited = waitedMs === undefined ? '' : `, still after waiting ${Math.round(waitedMs / 1000)} s`;
  return new EngineError('ENGINE_LOCKED', `stack ${stack} on ${remote} ${what}${waited}`, FORCE_HINT);
}

type Attempt = { readonly held: BackendLock } | { readonly blockedBy: readonly LockHolder[] };

/**
 * Takes a stack's lock on `session` (a client of its own, connected, that
 * this lock owns from now on and ends on release).
 */
export async function acquirePgLock(
  session: pg.Client,
  remote: string,
  stack: string,
  command: string,
  options: AcquireLockOptions & { readonly wait?: LockWait | undefined },
): Promise<BackendLock> {
  const mode = options.mode ?? 'exclusive';
  const started = Date.now();
  let pause = 100;
  let shown = '';
  try {
    for (;;) {
      options.wait?.signal?.throwIfAborted();
      const next = await attempt(session, remote, stack, command, mode, options.force === true);
      if ('held' in next) return next.held;
      if (!options.wait) throw lockedError(stack, remote, next.blockedBy);
      const seen = JSON.stringify(next.blockedBy);
      if (seen !== shown) {
        shown = seen;
        options.wait.onWait?.(next.blockedBy);
      }
      const left = started + options.wait.timeoutMs - Date.now();
      if (left <= 0) throw lockedError(stack, remote, next.blockedBy, Date.now() - started);
      try {
        await sleep(Math.min(left, pause * (0.75 + Math.random() / 2)), undefined, {
          signal: options.wait.signal,
        });
      } catch (e) {
        options.wait.signal?.throwIfAborted();
        throw e;
      }
      pause = Math.min(pause * 1.5, 2000);
    }
  } catch (e) {
    await session.end().catch(() => undefined);
    throw e;
  }
}

async function attempt(
  session: pg.Client,
  remote: string,
  stack: string,
  command: string,
  mode: LockMode,
  force: boolean,
): Promise<Attempt> {
  const key = lockKey(remote, stack);
  const rows = await holderRows(session, remote, stack);
  const removed: LockHolder[] = [];
  const inTheWay = rows.filter((r) => r.live && (mode === 'exclusive' || r.mode === 'exclusive'));
  if (force && inTheWay.length > 0) {
    for (const row of inTheWay) {
      const ended = await session.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
        row.session_pid,
      ]);
      if (!ended.rows[0]?.ok)
        throw new EngineError(
          'ENGINE_LOCKED',
          `stack ${stack} on ${remote}: the session of '${row.command}' (pid ${row.pid} on ${row.hostname}) could not be ended`,
          "--force-unlock on PostgreSQL ends the holder's session: the login needs the pg_signal_backend role (or to be the holder's)",
        );
      removed.push(holderOf(row));
    }
  }
  const fn = mode === 'exclusive' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
  const tryLock = async () =>
    (await session.query<{ ok: boolean }>(`SELECT ${fn}(hashtextextended($1, 0)) AS ok`, [key])).rows[0]?.ok;
  let got = await tryLock();
  // Ended sessions let go of their locks as their backends exit, within moments: bounded polling.
  for (let i = 0; !got && removed.length > 0 && i < 50; i++) {
    await sleep(100);
    got = await tryLock();
  }
  if (!got) return { blockedBy: removed.length ? removed : inTheWay.map(holderOf) };
  // Rows of sessions that no longer hold the lock are holders that died: theirs is taken over.
  removed.push(...rows.filter((r) => !r.live).map(holderOf));
  await session.query(
    `DELETE FROM pvecdk_lock_holder h
      WHERE (h.remote = $1 AND h.stack = $2 AND NOT EXISTS (
               SELECT 1 FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted AND l.pid = h.session_pid
                  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($3, 0)))
         OR h.session_pid = pg_backend_pid()`,
    [remote, stack, key],
  );
  await session.query(
    `INSERT INTO pvecdk_lock_holder (remote, stack, session_pid, mode, pid, hostname, command, started_at)
     VALUES ($1, $2, pg_backend_pid(), $3, $4, $5, $6, $7)`,
    [remote, stack, mode, process.pid, hostname(), command, new Date().toISOString()],
  );
  return { held: heldLock(session, remote, stack, mode, removed) };
}

function heldLock(
  session: pg.Client,
  remote: string,
  stack: string,
  mode: LockMode,
  removed: readonly LockHolder[],
): BackendLock {
  const key = lockKey(remote, stack);
  let released = false;
  const self: BackendLock = {
    mode,
    removed,
    downgrade: async () => {
      if (mode === 'shared' || released) return self;
      // Shared taken on the same session before the exclusive is let go: nobody gets in between.
      const got = await session.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock_shared(hashtextextended($1, 0)) AS ok',
        [key],
      );
      if (!got.rows[0]?.ok)
        throw new EngineError(
          'ENGINE_INTERNAL',
          `stack ${stack} on ${remote}: the shared lock was refused to the session holding it exclusively`,
          'this is a bug in pvecdk; please report it with the output of --debug',
        );
      await session.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      await session.query(
        "UPDATE pvecdk_lock_holder SET mode = 'shared' WHERE remote = $1 AND stack = $2 AND session_pid = pg_backend_pid()",
        [remote, stack],
      );
      released = true;
      return heldLock(session, remote, stack, 'shared', []);
    },
    release: async () => {
      if (released) return;
      released = true;
      try {
        await session.query(
          'DELETE FROM pvecdk_lock_holder WHERE remote = $1 AND stack = $2 AND session_pid = pg_backend_pid()',
          [remote, stack],
        );
      } catch {
        // The session is gone already: so is its lock, and its row no longer counts.
      }
      // Ending the session lets go of its advisory lock.
      await session.end().catch(() => undefined);
    },
  };
  return self;
}
