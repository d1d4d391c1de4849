import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../lib/engine/backends/local-backend.ts';
import { PgBackend } from '../../lib/engine/backends/pg-backend.ts';
import type { HistoryEntry, StateBackend } from '../../lib/engine/backends/state-backend.ts';
import type { ResourceState, StackState } from '../../lib/engine/state-store.ts';
import { startPostgres, type TestPostgres } from './pg-fixture.ts';

/** The one suite both backends answer to: what the engine and the CLI rely on. */

let postgres: TestPostgres;
const dirs: string[] = [];
const opened: StateBackend[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  for (const b of opened) await b.close();
  await postgres?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-backend-'));
  dirs.push(dir);
  return dir;
}

const implementations: readonly [string, () => Promise<StateBackend>][] = [
  ['local', async () => new LocalBackend(tempDir())],
  ['pg', async () => new PgBackend({ url: await postgres.newDatabase(), recoveryDir: tempDir() })],
];

const vm: ResourceState = {
  type: 'proxmox_virtual_environment_vm',
  path: 'acme/Server/Vm',
  attributes: { vm_id: 101, node_name: 'pve1' },
  properties: { name: 'acme-4d' },
  dependsOn: [],
};

function entry(stack: string, serial: number): HistoryEntry {
  return {
    remote: 'lab',
    stack,
    serial,
    appliedAt: `2026-12-07T10:00:0${serial}.000Z`,
    command: `pvecdk deploy ${stack}`,
    hostname: 'ops1',
    pid: 4242,
    planSha256: 'a'.repeat(64),
    actions: { create: serial },
    ok: true,
  };
}

describe.each(implementations)('state backend %s', (_name, make) => {
  let backend: StateBackend;
  beforeAll(async () => {
    backend = await make();
    opened.push(backend);
  });

  it('GIVEN a stack never deployed WHEN it is opened, written and opened again THEN the second read holds every write, with the serial counting them', async () => {
    const first = await backend.open('lab', 'acme');
    expect(first.state.serial).toBe(0);
    expect(first.state.resources).toEqual({});
    await first.put('Vm', vm);
    await first.setOutputs({ ip: '10.0.0.5' });
    const again = await backend.open('lab', 'acme');
    expect(again.state.serial).toBe(2);
    expect(again.state.resources.Vm).toEqual(vm);
    expect(again.state.outputs).toEqual({ ip: '10.0.0.5' });
    await again.remove('Vm');
    expect((await backend.open('lab', 'acme')).state.resources).toEqual({});
  });

  it('GIVEN states of two remotes WHEN listed THEN each stack appears once, by remote then stack, with serial and resource count', async () => {
    const a = await backend.open('lab', 'globex');
    await a.put('Vm', vm);
    const b = await backend.open('prod', 'acme');
    await b.put('Vm', vm);
    const listed = (await backend.list()).filter((s) => s.stack === 'globex' || s.remote === 'prod');
    expect(listed).toEqual([
      { remote: 'lab', stack: 'globex', serial: 1, resources: 1 },
      { remote: 'prod', stack: 'acme', serial: 1, resources: 1 },
    ]);
  });

  it('GIVEN an exclusive holder WHEN another exclusive is asked THEN it is refused naming the holder; after release it is granted', async () => {
    const held = await backend.acquireLock('lab', 'lock1', 'pvecdk deploy lock1', {});
    await expect(backend.acquireLock('lab', 'lock1', 'pvecdk deploy other', {})).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringContaining(`'pvecdk deploy lock1' (pid ${process.pid} on `),
    });
    expect(await backend.lockHolders('lab', 'lock1')).toEqual([
      expect.objectContaining({ mode: 'exclusive', pid: process.pid, command: 'pvecdk deploy lock1' }),
    ]);
    await held.release();
    expect(await backend.lockHolders('lab', 'lock1')).toEqual([]);
    const next = await backend.acquireLock('lab', 'lock1', 'pvecdk deploy other', {});
    await next.release();
  });

  it('GIVEN shared holders WHEN another reader and then a writer ask THEN readers share and the writer is refused until they let go', async () => {
    const r1 = await backend.acquireLock('lab', 'lock2', 'pvecdk deploy a', { mode: 'shared' });
    const r2 = await backend.acquireLock('lab', 'lock2', 'pvecdk deploy b', { mode: 'shared' });
    await expect(backend.acquireLock('lab', 'lock2', 'pvecdk deploy w', {})).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringContaining('is being read by'),
    });
    expect((await backend.lockHolders('lab', 'lock2')).map((h) => h.command).sort()).toEqual([
      'pvecdk deploy a',
      'pvecdk deploy b',
    ]);
    await r1.release();
    await r2.release();
    const w = await backend.acquireLock('lab', 'lock2', 'pvecdk deploy w', {});
    await w.release();
  });

  it('GIVEN an exclusive holder WHEN it downgrades THEN a reader gets in and a writer does not', async () => {
    const w = await backend.acquireLock('lab', 'lock3', 'pvecdk deploy w', {});
    const shared = await w.downgrade();
    expect(shared.mode).toBe('shared');
    const reader = await backend.acquireLock('lab', 'lock3', 'pvecdk deploy r', { mode: 'shared' });
    await expect(backend.acquireLock('lab', 'lock3', 'pvecdk deploy x', {})).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
    });
    await reader.release();
    await shared.release();
    await (await backend.acquireLock('lab', 'lock3', 'pvecdk deploy x', {})).release();
  });

  it('GIVEN a holder WHEN another waits THEN it is told who is in the way and gets the lock once released', async () => {
    const held = await backend.acquireLock('lab', 'lock4', 'pvecdk deploy first', {});
    const seen: string[] = [];
    const waiting = backend.acquireLock('lab', 'lock4', 'pvecdk deploy second', {
      wait: { timeoutMs: 10_000, onWait: (holders) => seen.push(...holders.map((h) => h.command)) },
    });
    // The waiter has said who is in the way before the holder lets go.
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['pvecdk deploy first']);
    await held.release();
    const got = await waiting;
    expect(got.mode).toBe('exclusive');
    await got.release();
  });

  it('GIVEN a holder WHEN a wait runs out THEN it is refused saying how long it waited', async () => {
    const held = await backend.acquireLock('lab', 'lock5', 'pvecdk deploy first', {});
    await expect(
      backend.acquireLock('lab', 'lock5', 'pvecdk deploy second', { wait: { timeoutMs: 300 } }),
    ).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringContaining('still after waiting'),
    });
    await held.release();
  });

  it('GIVEN applied plans WHEN the history is read THEN it holds them oldest first, per stack', async () => {
    await backend.appendHistory(entry('hist', 1));
    await backend.appendHistory(entry('hist', 2));
    await backend.appendHistory(entry('other', 1));
    expect(await backend.history('lab', 'hist')).toEqual([entry('hist', 1), entry('hist', 2)]);
    expect(await backend.history('lab', 'never')).toEqual([]);
  });

  it('GIVEN a held state WHEN states are imported THEN an older serial is refused, the same one is a no-op, a newer one is written', async () => {
    const store = await backend.open('lab', 'imp');
    await store.put('Vm', vm);
    await store.put('Vm2', vm);
    const held = (await backend.open('lab', 'imp')).state as StackState;
    expect(await backend.importState({ ...held, serial: 1 })).toBe('newer');
    expect(await backend.importState(held)).toBe('same');
    expect(await backend.importState({ ...held, outputs: { other: 1 } })).toBe('newer');
    expect(await backend.importState({ ...held, serial: 5, outputs: { x: 1 } })).toBe('written');
    expect((await backend.open('lab', 'imp')).state).toMatchObject({ serial: 5, outputs: { x: 1 } });
    expect(
      await backend.importState({
        version: 1,
        stack: 'fresh',
        remote: 'lab',
        serial: 3,
        resources: {},
        outputs: {},
      }),
    ).toBe('written');
    expect((await backend.open('lab', 'fresh')).state.serial).toBe(3);
  });
});
