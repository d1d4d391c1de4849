import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { LocalBackend } from '../engine/backends/local-backend.ts';
import { PgBackend } from '../engine/backends/pg-backend.ts';
import type { StateBackend } from '../engine/backends/state-backend.ts';
import type { ProjectConfig } from './config.ts';
import { CliError } from './errors.ts';
import { isRemoteConfigured, stateDirFor } from './remote-state.ts';

/**
 * The backend holding a remote's state and locks: cdk.json's `backend` for a
 * configured remote; the embedded emulator's stacks stay in its own folder
 * whatever the backend (they must not outlive a reset of the emulator, and
 * each operator's emulator is their own).
 */
export function stateBackendFor(config: ProjectConfig, remote: string, cwd: string): StateBackend {
  if (config.backend.type === 'pg' && isRemoteConfigured(config, remote)) {
    const left = unmigratedStates(join(cwd, config.stateDir), remote);
    if (left.length)
      throw new CliError(
        'CLI_STATE_NOT_MIGRATED',
        `cdk.json's backend is pg, and local state of remote ${remote} is not in it: ${left.join(', ')}`,
        'run `pvecdk state migrate --to pg` (it moves these files into PostgreSQL, recovery files of unrecorded writes included, and renames them)',
      );
    return pgBackendOf(config, cwd);
  }
  return new LocalBackend(stateDirFor(config, remote, cwd));
}

/** The PostgreSQL backend of cdk.json; refused (CLI_CONFIG) when cdk.json configures none. */
export function pgBackendOf(config: ProjectConfig, cwd: string): PgBackend {
  if (config.backend.type !== 'pg')
    throw new CliError(
      'CLI_CONFIG',
      'cdk.json configures no PostgreSQL backend (backend.type is not "pg")',
      'add "backend": { "type": "pg", "url": "env:PVECDK_PG_URL" } to cdk.json (see "State for a team" in README.md)',
    );
  return new PgBackend({
    url: resolveBackendUrl(config.backend.url, cwd),
    recoveryDir: join(cwd, config.stateDir),
  });
}

/** The connection URL behind cdk.json's `backend.url` reference; never printed. */
function resolveBackendUrl(reference: string, cwd: string): string {
  const [source, ...rest] = reference.split(':');
  const name = rest.join(':');
  if (source === 'env') {
    const value = process.env[name];
    if (!value)
      throw new CliError(
        'CLI_CONFIG',
        `cdk.json backend.url: the environment variable ${name} is not set`,
        `export ${name}=postgresql://user:password@host:5432/db before running pvecdk`,
      );
    return value;
  }
  const path = isAbsolute(name) ? name : resolve(cwd, name);
  let value: string;
  try {
    value = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new CliError(
      'CLI_CONFIG',
      `cdk.json backend.url: ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'create the file holding the PostgreSQL URL, or fix the path',
    );
  }
  if (!value) throw new CliError('CLI_CONFIG', `cdk.json backend.url: ${path} is empty`);
  return value;
}

/** Runs `work` with the remote's backend, closed afterwards (commands that only read state). */
export async function withStateBackend<T>(
  config: ProjectConfig,
  remote: string,
  cwd: string,
  work: (backend: StateBackend) => Promise<T>,
): Promise<T> {
  const backend = stateBackendFor(config, remote, cwd);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

/** Local state files of a remote that the pg backend would not read (never migrated, or recovery files). */
export function unmigratedStates(stateDir: string, remote: string): string[] {
  const dir = join(stateDir, 'state', remote);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => join(dir, n))
    .sort();
}
