import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { LockHolder } from '../deploy-lock.ts';
import { EngineError } from '../engine-errors.ts';
import {
  emptyStackState,
  localStateFile,
  parseStackState,
  type StackState,
  StateStore,
  writeLocalState,
} from '../state-store.ts';
import { HistoryEntrySchema } from './history.ts';
import { compareStates } from './local-backend.ts';
import { acquirePgLock, pgLockHolders } from './pg-lock.ts';
import { ensureSchema } from './pg-schema.ts';
import type { BackendLock, HistoryEntry, ImportOutcome, StateBackend, StoredStack } from './state-backend.ts';

export interface PgBackendOptions {
  /** The connection URL (a secret: it holds the password); never printed. */
  readonly url: string;
  /**
   * Where a state PostgreSQL would not take is written instead, in the local
   * layout (`<dir>/state/<remote>/<stack>.json`), for `pvecdk state migrate --to pg`.
   */
  readonly recoveryDir: string;
  /** Tries of a state write before it is given up (tests set it low). */
  readonly retry?: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
  /** How long a connection attempt may take. */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_RETRY = { attempts: 6, baseMs: 250, maxMs: 4000 };

/**
 * State, locks and history in one PostgreSQL database: one row per (remote,
 * stack) whose `version` is the state's serial. A write names the version it
 * read, so a write over another process's newer state is refused
 * (ENGINE_STATE_CONFLICT), never lost. Locks: see pg-lock.ts.
 */
export class PgBackend implements StateBackend {
  readonly kind = 'pg' as const;
  readonly where = 'PostgreSQL';
  private readonly pool: pg.Pool;
  private schema: Promise<void> | undefined;
  private readonly retry: NonNullable<PgBackendOptions['retry']>;

  constructor(private readonly options: PgBackendOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    });
    // An idle connection that breaks (the server restarts) is dropped by the pool; without a
    // listener its 'error' event would end the process.
    this.pool.on('error', () => undefined);
  }

  /** Runs `work` on a pooled connection, the schema checked first; connection failures become ENGINE_BACKEND_UNREACHABLE. */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw unreachable(e);
    }
    try {
      this.schema ??= ensureSchema(client).catch((e) => {
        this.schema = undefined;
        throw e;
      });
      await this.schema;
      return await work(client);
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw isConnectionError(e) ? unreachable(e) : e;
    } finally {
      client.release();
    }
  }

  async open(remote: string, stack: string): Promise<StateStore> {
    const state = await this.withClient((c) => readRow(c, remote, stack));
    const where = `stack ${stack} of remote ${remote} in PostgreSQL`;
    let broken: unknown;
    return StateStore.of(where, state ?? emptyStackState(remote, stack), async (next, previous) => {
      if (broken === undefined) {
        try {
          await this.persistWithRetry(next, previous);
          return;
        } catch (e) {
          if (e instanceof EngineError && e.code === 'ENGINE_STATE_CONFLICT') throw e;
          broken = e;
        }
      }
      // PostgreSQL did not take a state: every later one goes to the recovery file, the newest winning.
      throw this.unrecorded(next, previous, broken);
    });
  }

  private async persistWithRetry(next: StackState, previous: StackState): Promise<void> {
    let pause = this.retry.baseMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.withClient((c) => writeRow(c, next, previous.serial));
        return;
      } catch (e) {
        if (e instanceof EngineError && e.code === 'ENGINE_STATE_CONFLICT') throw e;
        if (attempt >= this.retry.attempts) throw e;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, this.retry.maxMs);
    }
  }

  private unrecorded(next: StackState, previous: StackState, cause: unknown): EngineError {
    const file = localStateFile(this.options.recoveryDir, next.remote, next.stack);
    writeLocalState(file, next);
    const changed = Object.keys({ ...next.resources, ...previous.resources }).filter(
      (id) => JSON.stringify(next.resources[id]) !== JSON.stringify(previous.resources[id]),
    );
    const what = changed.length
      ? `resources ${changed.join(', ')}`
      : 'the stack’s outputs, origin or host keys';
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new EngineError(
      'ENGINE_STATE_UNRECORDED',
      `stack ${next.stack} on ${next.remote}: PostgreSQL did not take the state after ${what} changed (${reason}); the state (serial ${next.serial}) is in ${file}`,
      'once PostgreSQL answers, run `pvecdk state migrate --to pg` to push it (it refuses if the row moved on meanwhile), then deploy again',
    );
  }

  async acquireLock(
    remote: string,
    stack: string,
    command: string,
    options: Parameters<StateBackend['acquireLock']>[3],
  ): Promise<BackendLock> {
    // The schema first, on a pooled connection; then a session of the lock's own.
    await this.withClient(async () => undefined);
    const session = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 10_000,
    });
    // A session that breaks has lost its lock with it; the state writes say what that costs.
    session.on('error', () => undefined);
    try {
      await session.connect();
    } catch (e) {
      await session.end().catch(() => undefined);
      throw unreachable(e);
    }
    try {
      return await acquirePgLock(session, remote, stack, command, options);
    } catch (e) {
      if (e instanceof EngineError || (e as Error).name === 'AbortError') throw e;
      throw isConnectionError(e) ? unreachable(e) : e;
    }
  }

  async lockHolders(remote: string, stack: string): Promise<LockHolder[]> {
    return this.withClient((c) => pgLockHolders(c, remote, stack));
  }

  async list(): Promise<StoredStack[]> {
    return this.withClient(async (c) => {
      const result = await c.query<{ remote: string; stack: string; version: string; resources: string }>(
        `SELECT remote, stack, version,
                (SELECT count(*) FROM json_object_keys(CASE WHEN json_typeof(state->'resources') = 'object'
                                                            THEN state->'resources' ELSE '{}'::json END)) AS resources
           FROM pvecdk_stack_state ORDER BY remote, stack`,
      );
      return result.rows.map((r) => ({
        remote: r.remote,
        stack: r.stack,
        serial: Number(r.version),
        resources: Number(r.resources),
      }));
    });
  }

  async importState(state: StackState): Promise<ImportOutcome> {
    return this.withClient(async (c) => {
      await c.query('BEGIN');
      try {
        const held = await readRow(c, state.remote, state.stack, true);
        const verdict = held ? compareStates(held, state) : undefined;
        if (verdict) {
          await c.query('ROLLBACK');
          return verdict;
        }
        await c.query(
          `INSERT INTO pvecdk_stack_state (remote, stack, version, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (remote, stack) DO UPDATE SET version = $3, state = $4, updated_at = now()`,
          [state.remote, state.stack, state.serial, JSON.stringify(state)],
        );
        await c.query('COMMIT');
        return 'written';
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    await this.withClient((c) =>
      c.query('INSERT INTO pvecdk_history (remote, stack, entry) VALUES ($1, $2, $3)', [
        entry.remote,
        entry.stack,
        JSON.stringify(HistoryEntrySchema.parse(entry)),
      ]),
    );
  }

  async history(remote: string, stack: string): Promise<HistoryEntry[]> {
    return this.withClient(async (c) => {
      const result = await c.query<{ id: string; entry: unknown }>(
        'SELECT id, entry FROM pvecdk_history WHERE remote = $1 AND stack = $2 ORDER BY id',
        [remote, stack],
      );
      return result.rows.map((r) => {
        const parsed = HistoryEntrySchema.safeParse(r.entry);
        if (!parsed.success)
          throw new EngineError(
            'ENGINE_STATE_CORRUPT',
            `history entry ${r.id} of stack ${stack} of remote ${remote} in PostgreSQL is not a pvecdk history entry`,
            'restore the row from a backup, or delete it',
          );
        return parsed.data;
      });
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

async function readRow(
  client: pg.ClientBase,
  remote: string,
  stack: string,
  forUpdate = false,
): Promise<StackState | undefined> {
  const result = await client.query<{ version: string; state: unknown }>(
    `SELECT version, state FROM pvecdk_stack_state WHERE remote = $1 AND stack = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [remote, stack],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const where = `the row of stack ${stack} of remote ${remote} in PostgreSQL (pvecdk_stack_state)`;
  const state = parseStackState(row.state, where, 'state');
  if (state.serial !== Number(row.version) || state.stack !== stack || state.remote !== remote)
    throw new EngineError(
      'ENGINE_STATE_CORRUPT',
      `${where} does not match its key: version ${row.version}, serial ${state.serial}, stack ${state.stack}, remote ${state.remote}`,
      'restore the row from a backup; do not edit state by hand',
    );
  return state;
}

/** One write: the row must be at `expected` (0: absent), in one transaction. */
async function writeRow(client: pg.ClientBase, next: StackState, expected: number): Promise<void> {
  await client.query('BEGIN');
  try {
    const updated = await client.query(
      `UPDATE pvecdk_stack_state SET version = $3, state = $4, updated_at = now()
        WHERE remote = $1 AND stack = $2 AND version = $5`,
      [next.remote, next.stack, next.serial, JSON.stringify(next), expected],
    );
    let count = updated.rowCount ?? 0;
    if (count === 0 && expected === 0) {
      const inserted = await client.query(
        `INSERT INTO pvecdk_stack_state (remote, stack, version, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (remote, stack) DO NOTHING`,
        [next.remote, next.stack, next.serial, JSON.stringify(next)],
      );
      count = inserted.rowCount ?? 0;
    }
    if (count === 0) {
      const found = await client.query<{ version: string }>(
        'SELECT version FROM pvecdk_stack_state WHERE remote = $1 AND stack = $2',
        [next.remote, next.stack],
      );
      throw new EngineError(
        'ENGINE_STATE_CONFLICT',
        `stack ${next.stack} on ${next.remote}: the state in PostgreSQL is at version ${found.rows[0]?.version ?? '(none)'}, this run read version ${expected}: another process wrote it meanwhile`,
        'deploy again: the next run reads the current state (two deploys of one stack are kept apart by its lock; one that lost its lock with its session ends up here)',
      );
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Whether an error is about reaching the server rather than what was asked. */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|57P)/.test(code) || /^E[A-Z]+$/.test(code))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    (e as Error).message ?? '',
  );
}

function unreachable(e: unknown): EngineError {
  // pg's messages name host and port (connect ECONNREFUSED 127.0.0.1:5432) or the user, never the password.
  return new EngineError(
    'ENGINE_BACKEND_UNREACHABLE',
    `the PostgreSQL state backend cannot be reached: ${(e as Error).message || String(e)}`,
    'check that PostgreSQL runs and that the URL of cdk.json "backend.url" (its host, port, user and password) is right',
    { cause: e },
  );
}
