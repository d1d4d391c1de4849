import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBackend } from '../../lib/engine/backends/pg-backend.ts';
import { PG_SCHEMA_VERSION } from '../../lib/engine/backends/pg-schema.ts';
import type { ResourceState } from '../../lib/engine/state-store.ts';
import { startPostgres, type TestPostgres } from './pg-fixture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOLDER = fileURLToPath(new URL('./workers/pg-lock-holder.ts', import.meta.url));

let postgres: TestPostgres;
const dirs: string[] = [];
const backends: PgBackend[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  for (const b of backends) await b.close();
  await postgres?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-pgfail-'));
  dirs.push(dir);
  return dir;
}

async function backendOn(url: string, recoveryDir = tempDir()): Promise<PgBackend> {
  const b = new PgBackend({
    url,
    recoveryDir,
    retry: { attempts: 3, baseMs: 20, maxMs: 50 },
    connectTimeoutMs: 2000,
  });
  backends.push(b);
  return b;
}

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

const vm = (id: number): ResourceState => ({
  type: 'proxmox_virtual_environment_vm',
  path: `acme/Vm${id}`,
  attributes: { vm_id: id },
  properties: {},
  dependsOn: [],
});

describe('pg state backend: failure modes', () => {
  it('GIVEN two runs that read one version WHEN both write THEN the second is refused (stale version), and the first write stays', async () => {
    const b = await backendOn(await postgres.newDatabase());
    const first = await b.open('lab', 'acme');
    const second = await b.open('lab', 'acme');
    await first.put('A', vm(101));
    await expect(second.put('B', vm(102))).rejects.toMatchObject({
      code: 'ENGINE_STATE_CONFLICT',
      message: expect.stringContaining(
        'stack acme on lab: the state in PostgreSQL is at version 1, this run read version 0',
      ),
    });
    expect(Object.keys((await b.open('lab', 'acme')).state.resources)).toEqual(['A']);
  });

  it('GIVEN a row whose state is not a pvecdk state WHEN the stack is opened THEN ENGINE_STATE_CORRUPT names the stack and the remote', async () => {
    const url = await postgres.newDatabase();
    const b = await backendOn(url);
    await (await b.open('lab', 'acme')).put('A', vm(101));
    await sql(url, `UPDATE pvecdk_stack_state SET state = '{"resources": 5}' WHERE stack = 'acme'`);
    await expect(b.open('lab', 'acme')).rejects.toMatchObject({
      code: 'ENGINE_STATE_CORRUPT',
      message: expect.stringContaining('the row of stack acme of remote lab in PostgreSQL'),
    });
  });

  it('GIVEN a database a newer pvecdk wrote (schema version above this one) WHEN a backend uses it THEN it is refused with ENGINE_BACKEND_SCHEMA and nothing is written', async () => {
    const url = await postgres.newDatabase();
    await (await backendOn(url)).list();
    await sql(url, "UPDATE pvecdk_meta SET value = $1 WHERE key = 'schema_version'", [
      String(PG_SCHEMA_VERSION + 1),
    ]);
    const b = await backendOn(url);
    await expect(b.open('lab', 'acme')).rejects.toMatchObject({
      code: 'ENGINE_BACKEND_SCHEMA',
      message: expect.stringContaining(
        `schema version ${PG_SCHEMA_VERSION + 1}; this pvecdk knows version ${PG_SCHEMA_VERSION}`,
      ),
    });
    await expect(b.acquireLock('lab', 'acme', 'pvecdk deploy acme', {})).rejects.toMatchObject({
      code: 'ENGINE_BACKEND_SCHEMA',
    });
    expect((await sql(url, 'SELECT count(*)::int AS n FROM pvecdk_stack_state')).rows[0].n).toBe(0);
  });

  it('GIVEN no server at the URL WHEN a stack is opened THEN ENGINE_BACKEND_UNREACHABLE, without the password', async () => {
    const b = await backendOn('postgresql://pvecdk:s3cret-pw@127.0.0.1:1/none');
    const error = await b.open('lab', 'acme').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toMatchObject({ code: 'ENGINE_BACKEND_UNREACHABLE' });
    expect(`${error?.message} ${(error as { hint?: string }).hint}`).not.toContain('s3cret-pw');
  });

  it('GIVEN PostgreSQL stops after a stack was opened WHEN an action completes THEN the write is retried, then refused naming what is unrecorded and the recovery file, which migrate pushes once it is back', async () => {
    const url = await postgres.newDatabase();
    const recoveryDir = tempDir();
    const b = await backendOn(url, recoveryDir);
    const store = await b.open('lab', 'acme');
    await store.put('A', vm(101));
    await postgres.stop();
    let error: (Error & { code?: string; hint?: string }) | undefined;
    try {
      await store.put('B', vm(102)).catch((e: Error) => {
        error = e;
      });
      // A later write goes to the recovery file too: it always holds the newest state.
      await store.put('C', vm(103)).catch(() => undefined);
    } finally {
      await postgres.start();
    }
    expect(error?.code).toBe('ENGINE_STATE_UNRECORDED');
    const file = join(recoveryDir, 'state', 'lab', 'acme.json');
    expect(error?.message).toContain(
      'stack acme on lab: PostgreSQL did not take the state after resources B changed',
    );
    expect(error?.message).toContain(file);
    expect(error?.hint).toContain('pvecdk state migrate --to pg');
    expect(`${error?.message}${error?.hint}`).not.toContain(postgres.password);
    const recovered = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(recovered.resources).sort()).toEqual(['A', 'B', 'C']);
    // The row still holds what was written before the stop; the recovery file moves it on.
    expect((await b.open('lab', 'acme')).state.serial).toBe(1);
    expect(await b.importState(recovered)).toBe('written');
    expect(Object.keys((await b.open('lab', 'acme')).state.resources).sort()).toEqual(['A', 'B', 'C']);
  });

  it('GIVEN a deploy in another process holding the lock WHEN it is asked THEN it is refused naming that process; after a SIGKILL the lock is free and its holder reported as taken over', async () => {
    const url = await postgres.newDatabase();
    const b = await backendOn(url);
    await b.list();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', HOLDER, url, 'lab', 'acme', 'pvecdk deploy stacks/acme.ts'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${stderr}`)));
      });
      await expect(b.acquireLock('lab', 'acme', 'pvecdk deploy other', {})).rejects.toMatchObject({
        code: 'ENGINE_LOCKED',
        message: expect.stringContaining(`'pvecdk deploy stacks/acme.ts' (pid ${child.pid} on `),
      });
      expect(await b.lockHolders('lab', 'acme')).toEqual([
        expect.objectContaining({
          mode: 'exclusive',
          pid: child.pid,
          command: 'pvecdk deploy stacks/acme.ts',
        }),
      ]);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      // PostgreSQL ends the session when its socket closes: the lock goes with it, within the wait.
      const lock = await b.acquireLock('lab', 'acme', 'pvecdk deploy other', { wait: { timeoutMs: 10_000 } });
      expect(lock.removed).toEqual([
        expect.objectContaining({ pid: child.pid, command: 'pvecdk deploy stacks/acme.ts' }),
      ]);
      expect(await b.lockHolders('lab', 'acme')).toEqual([
        expect.objectContaining({ pid: process.pid, command: 'pvecdk deploy other' }),
      ]);
      await lock.release();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('GIVEN a holder WHEN another process forces the lock THEN the holder’s session is ended and the lock taken', async () => {
    const url = await postgres.newDatabase();
    const a = await backendOn(url);
    const b = await backendOn(url);
    await a.acquireLock('lab', 'acme', 'pvecdk deploy stuck', {});
    // No wait asked: the forced take waits (bounded) for the ended session to let go.
    const forced = await b.acquireLock('lab', 'acme', 'pvecdk deploy rescue', { force: true });
    expect(forced.removed).toEqual([expect.objectContaining({ command: 'pvecdk deploy stuck' })]);
    expect((await b.lockHolders('lab', 'acme')).map((h) => h.command)).toEqual(['pvecdk deploy rescue']);
    await forced.release();
  });
});
