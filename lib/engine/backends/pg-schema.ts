import type pg from 'pg';
import { EngineError } from '../engine-errors.ts';

/**
 * The version of the tables below. A database whose recorded version is
 * higher was made by a newer pvecdk, whose rows this one may not understand
 * (or would overwrite with less): it is refused, never written.
 */
export const PG_SCHEMA_VERSION = 1;

/** One name space for pvecdk's advisory locks: `hashtextextended(<key>, 0)` of a prefixed key. */
export const SCHEMA_LOCK_KEY = 'pvecdk:schema';

const TABLES = `
CREATE TABLE IF NOT EXISTS pvecdk_stack_state (
  remote text NOT NULL,
  stack text NOT NULL,
  version bigint NOT NULL,
  -- json, not jsonb: the state is kept as written, its keys in their order (jsonb reorders them).
  state json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (remote, stack)
);
CREATE TABLE IF NOT EXISTS pvecdk_lock_holder (
  remote text NOT NULL,
  stack text NOT NULL,
  session_pid integer NOT NULL,
  mode text NOT NULL CHECK (mode IN ('exclusive', 'shared')),
  pid integer NOT NULL,
  hostname text NOT NULL,
  command text NOT NULL,
  started_at text NOT NULL,
  PRIMARY KEY (remote, stack, session_pid)
);
CREATE TABLE IF NOT EXISTS pvecdk_history (
  id bigserial PRIMARY KEY,
  remote text NOT NULL,
  stack text NOT NULL,
  entry jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS pvecdk_history_stack ON pvecdk_history (remote, stack, id);
`;

/**
 * Creates pvecdk's tables on first use and checks the schema version, in one
 * transaction under an advisory lock so two first runs do not race. A newer
 * version than PG_SCHEMA_VERSION is refused (ENGINE_BACKEND_SCHEMA).
 */
export async function ensureSchema(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [SCHEMA_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS pvecdk_meta (key text PRIMARY KEY, value text NOT NULL)');
    const row = await client.query<{ value: string }>(
      "SELECT value FROM pvecdk_meta WHERE key = 'schema_version'",
    );
    const recorded = row.rows[0] ? Number(row.rows[0].value) : undefined;
    if (recorded !== undefined && !(Number.isInteger(recorded) && recorded <= PG_SCHEMA_VERSION)) {
      throw new EngineError(
        'ENGINE_BACKEND_SCHEMA',
        `the PostgreSQL state backend has pvecdk schema version ${row.rows[0]!.value}; this pvecdk knows version ${PG_SCHEMA_VERSION} and does not write to a newer one`,
        'a newer pvecdk writes to this database: upgrade pvecdk here (every operator and CI job of one backend runs one version)',
      );
    }
    if (recorded === undefined) {
      await client.query(TABLES);
      await client.query("INSERT INTO pvecdk_meta (key, value) VALUES ('schema_version', $1)", [
        String(PG_SCHEMA_VERSION),
      ]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
