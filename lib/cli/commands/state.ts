import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LocalBackend } from '../../engine/backends/local-backend.ts';
import type { HistoryEntry, StateBackend, StoredStack } from '../../engine/backends/state-backend.ts';
import { lockHolder } from '../../engine/deploy-lock.ts';
import { EngineError } from '../../engine/engine-errors.ts';
import { StateStore } from '../../engine/state-store.ts';
import type { ProjectConfig } from '../config.ts';
import { CliError } from '../errors.ts';
import { pgBackendOf } from '../state-backend-for.ts';

/** The suffix a migrated local file gets: kept as a backup, never read as state again. */
export const MIGRATED_SUFFIX = '.migrated-to-pg';

interface StateCommandOptions {
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly json: boolean;
  readonly out: (line: string) => void;
}

/** The backend of configured remotes (cdk.json's); the embedded emulator's stacks stay in its folder. */
function projectBackend(o: StateCommandOptions): StateBackend {
  return o.config.backend.type === 'pg'
    ? pgBackendOf(o.config, o.cwd)
    : new LocalBackend(join(o.cwd, o.config.stateDir));
}

async function withBackend<T>(o: StateCommandOptions, work: (b: StateBackend) => Promise<T>): Promise<T> {
  const backend = projectBackend(o);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

/** `pvecdk state list`: every stack the backend holds, and those of the embedded emulator. */
export async function stateList(o: StateCommandOptions): Promise<number> {
  const held = await withBackend(o, (b) => b.list());
  const emulated = await new LocalBackend(join(o.cwd, o.config.stateDir, 'sim')).list();
  const rows = [
    ...held.map((s) => ({ ...s, backend: o.config.backend.type as string })),
    ...emulated.map((s) => ({ ...s, backend: 'emulator' })),
  ];
  if (o.json) {
    o.out(JSON.stringify({ type: 'state-list', stacks: rows }));
    return 0;
  }
  if (rows.length === 0) {
    o.out('no stack has state yet');
    return 0;
  }
  const table = [['REMOTE', 'STACK', 'SERIAL', 'RESOURCES', 'BACKEND'], ...rows.map(cells)];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table)
    o.out(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

function cells(s: StoredStack & { backend: string }): string[] {
  return [s.remote, s.stack, String(s.serial), String(s.resources), s.backend];
}

/** The remote a stack is on: the one asked, else the only one holding it. */
async function remoteOf(b: StateBackend, stack: string, remote: string | undefined): Promise<string> {
  if (remote) return remote;
  const on = (await b.list()).filter((s) => s.stack === stack).map((s) => s.remote);
  if (on.length === 1) return on[0]!;
  throw new CliError(
    'CLI_USAGE',
    on.length === 0
      ? `no remote holds state of stack ${stack} in the ${b.kind} backend`
      : `stack ${stack} has state on several remotes (${on.join(', ')})`,
    on.length === 0 ? 'see `pvecdk state list`' : 'name one with --remote NAME',
  );
}

/** `pvecdk state show <stack>`: the stack's state as recorded (secrets are references in it, never values). */
export async function stateShow(
  o: StateCommandOptions & { readonly stack: string; readonly remote: string | undefined },
): Promise<number> {
  return withBackend(o, async (b) => {
    const remote = await remoteOf(b, o.stack, o.remote);
    const state = (await b.open(remote, o.stack)).state;
    o.out(o.json ? JSON.stringify(state) : JSON.stringify(state, null, 2));
    return 0;
  });
}

/** `pvecdk state history <stack>`: the plans applied to it, oldest first. */
export async function stateHistory(
  o: StateCommandOptions & { readonly stack: string; readonly remote: string | undefined },
): Promise<number> {
  return withBackend(o, async (b) => {
    const remote = await remoteOf(b, o.stack, o.remote);
    const entries = await b.history(remote, o.stack);
    if (o.json) {
      o.out(JSON.stringify({ type: 'state-history', remote, stack: o.stack, entries }));
      return 0;
    }
    if (entries.length === 0) o.out(`no recorded run of stack ${o.stack} on ${remote}`);
    for (const e of entries) o.out(describeEntry(e));
    return 0;
  });
}

function describeEntry(e: HistoryEntry): string {
  const actions = Object.entries(e.actions)
    .filter(([a]) => a !== 'no-op')
    .map(([a, n]) => `${n} ${a}`)
    .join(', ');
  return `${e.appliedAt}  serial ${e.serial}  ${e.ok ? 'ok    ' : 'failed'}  ${e.command} (pid ${e.pid} on ${e.hostname})  plan ${e.planSha256.slice(0, 12)}  ${actions || 'no changes'}`;
}

export interface MigrateOutcome {
  readonly remote: string;
  readonly stack: string;
  readonly serial: number;
  readonly outcome: 'written' | 'same' | 'newer' | 'locked';
  readonly history: number;
}

/**
 * `pvecdk state migrate --to pg`: every local state file of a configured
 * remote (`<stateDir>/state/<remote>/<stack>.json`, recovery files of
 * unrecorded writes included) into PostgreSQL, with its history. A stack the
 * database holds a newer state of is left alone and reported; a stack a local
 * deploy holds is skipped. A migrated file is renamed `…json.migrated-to-pg`,
 * so it is never read as state again and a second run has nothing to do.
 */
export async function stateMigrate(o: StateCommandOptions & { readonly to: string }): Promise<number> {
  if (o.to !== 'pg')
    throw new CliError(
      'CLI_USAGE',
      `state migrate --to ${o.to}: the only target is pg`,
      'pvecdk state migrate --to pg',
    );
  const stateDir = join(o.cwd, o.config.stateDir);
  const local = new LocalBackend(stateDir);
  const pg = pgBackendOf(o.config, o.cwd);
  const results: MigrateOutcome[] = [];
  try {
    for (const s of await local.list()) {
      if (lockHolder(stateDir, s.remote, s.stack)) {
        results.push({ ...pick(s), outcome: 'locked', history: 0 });
        continue;
      }
      const state = StateStore.open(stateDir, s.remote, s.stack).state;
      const outcome = await pg.importState(state);
      if (outcome === 'newer') {
        results.push({ ...pick(s), outcome, history: 0 });
        continue;
      }
      const history = await migrateHistory(local, pg, s);
      const file = join(stateDir, 'state', s.remote, `${s.stack}.json`);
      renameSync(file, `${file}${MIGRATED_SUFFIX}`);
      results.push({ ...pick(s), outcome, history });
    }
  } finally {
    await pg.close();
  }
  if (o.json) o.out(JSON.stringify({ type: 'state-migrate', stacks: results }));
  else if (results.length === 0) o.out('no local state to migrate');
  else
    for (const r of results)
      o.out(
        `${r.remote}/${r.stack} (serial ${r.serial}): ${
          r.outcome === 'written'
            ? `moved to PostgreSQL${r.history ? `, with ${r.history} history entries` : ''}`
            : r.outcome === 'same'
              ? 'PostgreSQL holds this state already'
              : r.outcome === 'locked'
                ? 'skipped: a local deploy holds its lock'
                : 'left as it is: PostgreSQL holds a newer state'
        }`,
      );
  const refused = results.filter((r) => r.outcome === 'newer' || r.outcome === 'locked');
  if (refused.length)
    throw new EngineError(
      'ENGINE_STATE_NEWER',
      `not migrated: ${refused
        .map(
          (r) =>
            `${r.remote}/${r.stack} (${r.outcome === 'locked' ? 'locked by a local deploy' : 'PostgreSQL holds a newer state'})`,
        )
        .join(', ')}`,
      'a newer state in PostgreSQL wins: compare with `pvecdk state show`, and remove the local file if it is stale; a locked stack: run again once its deploy ended',
    );
  return 0;
}

function pick(s: StoredStack) {
  return { remote: s.remote, stack: s.stack, serial: s.serial };
}

/** Moves a stack's local history entries the database does not hold yet; returns how many. */
async function migrateHistory(local: StateBackend, pg: StateBackend, s: StoredStack): Promise<number> {
  const entries = await local.history(s.remote, s.stack);
  if (entries.length === 0) return 0;
  const key = (e: HistoryEntry) => `${e.serial} ${e.appliedAt} ${e.planSha256}`;
  const held = new Set((await pg.history(s.remote, s.stack)).map(key));
  let moved = 0;
  for (const e of entries)
    if (!held.has(key(e))) {
      await pg.appendHistory(e);
      moved += 1;
    }
  const file = join(local.where, 'state', s.remote, `${s.stack}.history.jsonl`);
  if (existsSync(file)) renameSync(file, `${file}${MIGRATED_SUFFIX}`);
  return moved;
}
