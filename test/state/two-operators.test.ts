import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/testing.ts';
import { startPostgres, type TestPostgres } from './pg-fixture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOLDER = fileURLToPath(new URL('./workers/pg-lock-holder.ts', import.meta.url));
const ACME = join(ROOT, 'stacks/acme.ts');
const GLOBEX = join(ROOT, 'stacks/globex.ts');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real bin in a child process, without blocking this one (the emulator serves from here). */
function cli(args: readonly string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/pvecdk.mjs'), ...args],
      { cwd, env: { ...process.env, ...env, NO_COLOR: '1' }, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let postgres: TestPostgres;
let emulator: TestEmulator;
const dirs: string[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  emulator = await startTestEmulator({ checkAnswers: false });
});
afterAll(async () => {
  await emulator?.close();
  await postgres?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDirOf(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** An operator's age identity, made with the CLI as an operator makes theirs. */
async function identity(keys: string, name: string) {
  const file = join(keys, `${name}.txt`);
  const made = await cli(['secrets', 'identity', 'new', '--out', file], keys, {});
  expect(made.code, made.stderr).toBe(0);
  return { recipient: made.stdout.trim(), env: { PVECDK_AGE_IDENTITY_FILE: file } };
}

/** A project folder of its own (its own .pvecdk/) whose cdk.json names the pg backend. */
function project(backend: 'pg' | 'local'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-operator-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'cdk.json'),
    JSON.stringify(backend === 'pg' ? { backend: { type: 'pg', url: 'env:PVECDK_PG_URL' } } : {}),
  );
  return dir;
}

function envFor(url: string): Record<string, string> {
  return {
    PVECDK_PG_URL: url,
    PVECDK_URL: emulator.server.url,
    PVECDK_TOKEN_ID: emulator.server.tokenId,
    PVECDK_TOKEN_SECRET: emulator.server.tokenSecret,
    PVECDK_FINGERPRINT: emulator.server.fingerprint,
    // The emulator's guests are not reachable at the plan's addresses from here: the Proxmox half only.
    PVECDK_GUESTS: 'off',
  };
}

describe('two operators, one PostgreSQL, one cluster', () => {
  it('GIVEN operator A deployed acme from one clone WHEN operator B, from another clone with no .pvecdk/, runs diff --fail THEN it exits 0 and B deploys globex; B sees the state and history; a deploy while A holds the lock is refused naming A', async () => {
    const env = envFor(await postgres.newDatabase());
    const keys = tempDirOf('pvecdk-keys-');
    const alice = await identity(keys, 'alice');
    const bob = await identity(keys, 'bob');
    const a = project('pg');
    const b = project('pg');
    // The team's cdk.json: the pg backend and both operators' age recipients; the encrypted
    // secret store (pvecdk.secrets.json) travels with the repository, as a clone brings it.
    const cdk = JSON.stringify({
      backend: { type: 'pg', url: 'env:PVECDK_PG_URL' },
      secrets: { recipients: [alice.recipient, bob.recipient] },
    });
    writeFileSync(join(a, 'cdk.json'), cdk);
    writeFileSync(join(b, 'cdk.json'), cdk);
    const deployed = await cli(['deploy', ACME, '--yes'], a, { ...env, ...alice.env });
    expect(deployed.stderr).not.toContain('error');
    expect(deployed.code).toBe(0);
    // A keeps no state file: state and locks are in PostgreSQL.
    expect(existsSync(join(a, '.pvecdk', 'state'))).toBe(false);
    cpSync(join(a, 'pvecdk.secrets.json'), join(b, 'pvecdk.secrets.json'));
    expect(existsSync(join(b, '.pvecdk'))).toBe(false);

    const diff = await cli(['diff', ACME, '--fail'], b, { ...env, ...bob.env });
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0);
    const globex = await cli(['deploy', GLOBEX, '--yes'], b, { ...env, ...bob.env });
    expect(globex.stderr).not.toContain('error');
    expect(globex.code).toBe(0);
    expect(globex.stdout).toMatch(/Deployed: .*globex/);

    const list = await cli(['state', 'list', '--json'], b, env);
    expect(list.code).toBe(0);
    const stacks = JSON.parse(list.stdout).stacks as { remote: string; stack: string; backend: string }[];
    expect(stacks.map((s) => `${s.remote}/${s.stack} ${s.backend}`)).toEqual([
      'default/acme pg',
      'default/globex pg',
      'default/platform pg',
    ]);
    const history = await cli(['state', 'history', 'acme', '--json'], b, env);
    expect(JSON.parse(history.stdout).entries).toEqual([
      expect.objectContaining({ stack: 'acme', command: 'pvecdk deploy acme', ok: true }),
    ]);
    const shown = await cli(['state', 'show', 'acme'], b, env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ stack: 'acme', remote: 'default' });
    expect(shown.stdout + list.stdout + history.stdout + diff.stdout + deployed.stdout).not.toContain(
      postgres.password,
    );

    // A deploy of acme by A, still running: B is refused at once, naming it.
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', HOLDER, env.PVECDK_PG_URL!, 'default', 'acme', 'pvecdk deploy acme'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
      });
      const refused = await cli(['deploy', ACME, '--yes', '--lock-timeout', '0'], b, { ...env, ...bob.env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `error ENGINE_LOCKED: stack acme on default is being changed by 'pvecdk deploy acme' (pid ${holder.pid} on `,
      );
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      // Killed: its lock went with its session; B deploys (nothing to change) and is told it took the lock over.
      const after = await cli(['deploy', ACME, '--yes', '--lock-timeout', '10'], b, { ...env, ...bob.env });
      expect(after.code).toBe(0);
      expect(after.stderr).toContain(
        `took over the lock of stack acme from 'pvecdk deploy acme' (pid ${holder.pid}`,
      );
    } finally {
      if (holder.exitCode === null) holder.kill('SIGKILL');
    }
  }, 300_000);

  it('GIVEN a project with local state WHEN cdk.json switches to pg THEN commands refuse until state migrate --to pg moved it; a second migrate has nothing to do; diff --fail then exits 0', async () => {
    const env = envFor(await postgres.newDatabase());
    const dir = project('local');
    const deployed = await cli(['deploy', ACME, '--yes'], dir, env);
    expect(deployed.code).toBe(0);
    writeFileSync(
      join(dir, 'cdk.json'),
      JSON.stringify({ backend: { type: 'pg', url: 'env:PVECDK_PG_URL' } }),
    );

    const refused = await cli(['diff', ACME], dir, env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "error CLI_STATE_NOT_MIGRATED: cdk.json's backend is pg, and local state of remote default is not in it",
    );

    const migrated = await cli(['state', 'migrate', '--to', 'pg'], dir, env);
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(
      /^default\/acme \(serial \d+\): moved to PostgreSQL, with 1 history entries$/m,
    );
    expect(migrated.stdout).toMatch(
      /^default\/platform \(serial \d+\): moved to PostgreSQL, with 1 history entries$/m,
    );
    expect(readdirSync(join(dir, '.pvecdk', 'state', 'default')).sort()).toEqual([
      'acme.history.jsonl.migrated-to-pg',
      'acme.json.migrated-to-pg',
      'platform.history.jsonl.migrated-to-pg',
      'platform.json.migrated-to-pg',
    ]);
    const again = await cli(['state', 'migrate', '--to', 'pg'], dir, env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('no local state to migrate');

    const diff = await cli(['diff', ACME, '--fail'], dir, env);
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0);
  }, 300_000);

  it('GIVEN cdk.json names the pg backend WHEN its URL variable is unset or the reference is a literal THEN the error names cdk.json and the key, never the value', async () => {
    const dir = project('pg');
    const unset = await cli(['state', 'list'], dir, { PVECDK_PG_URL: '' });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain(
      'error CLI_CONFIG: cdk.json backend.url: the environment variable PVECDK_PG_URL is not set',
    );
    writeFileSync(
      join(dir, 'cdk.json'),
      JSON.stringify({ backend: { type: 'pg', url: 'postgresql://u:hunter2@db/x' } }),
    );
    const literal = await cli(['state', 'list'], dir, {});
    expect(literal.code).toBe(2);
    expect(literal.stderr).toMatch(
      /cdk\.json is invalid:\n\s+backend\.url: must be a reference "env:NAME" or "file:path"/,
    );
    expect(literal.stderr).not.toContain('hunter2');
  }, 60_000);
});
