import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorError } from '../../lib/sim/emulator-errors.ts';
import {
  DataDirOwnership,
  judgeOwner,
  OWNER_DIR,
  type OwnerRecord,
  readOwner,
  STARTUP_GRACE_MS,
} from '../../lib/sim/index.ts';

/** Above every system's pid limit: no process has it. */
const GONE_PID = 2 ** 30;

const dataDir = () => mkdtempSync(join(tmpdir(), 'pvecdk-owner-'));

function plant(dir: string, generation: number, record: OwnerRecord): void {
  mkdirSync(join(dir, OWNER_DIR), { recursive: true });
  writeFileSync(join(dir, OWNER_DIR, `${generation}.json`), JSON.stringify(record));
}

async function busyError(dir: string): Promise<EmulatorError> {
  const e = await DataDirOwnership.acquire(dir).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(EmulatorError);
  return e as EmulatorError;
}

describe('one owner per emulator data dir', () => {
  it('GIVEN a new data dir WHEN taken THEN this process owns generation 1, and a second taker is refused naming it', async () => {
    const dir = dataDir();
    const owner = await DataDirOwnership.acquire(dir);
    expect(owner.generation).toBe(1);
    expect(owner.isCurrent()).toBe(true);
    expect(readOwner(dir)?.record?.pid).toBe(process.pid);
    const refused = await busyError(dir);
    expect(refused.code).toBe('EMULATOR_BUSY');
    expect(refused.message).toContain(`pid ${process.pid}, starting`);
    expect(refused.hint).toContain(`pvecdk sim --stop --data-dir ${dir}`);
  });

  it('GIVEN an owner whose process is gone WHEN taken THEN the next generation is this one and the stale record is removed', async () => {
    const dir = dataDir();
    plant(dir, 7, { pid: GONE_PID, startedAt: new Date().toISOString() });
    const owner = await DataDirOwnership.acquire(dir);
    expect(owner.generation).toBe(8);
    expect(readdirSync(join(dir, OWNER_DIR))).toEqual(['8.json']);
  });

  it('GIVEN an owner that let go WHEN taken THEN it is taken over, and generations keep growing', async () => {
    const dir = dataDir();
    const first = await DataDirOwnership.acquire(dir);
    first.release();
    expect(readOwner(dir)?.record?.released).toBe(true);
    const second = await DataDirOwnership.acquire(dir);
    expect(second.generation).toBe(2);
    expect(first.isCurrent()).toBe(false);
  });

  it('GIVEN an owner taken over while it still ran WHEN it checks THEN it knows it no longer owns the dir, and its release leaves the new owner alone', async () => {
    const dir = dataDir();
    const old = await DataDirOwnership.acquire(dir);
    // Another process judged it stale (say it stopped answering) and took generation 2.
    plant(dir, 2, { pid: GONE_PID - 1, startedAt: new Date().toISOString() });
    expect(old.isCurrent()).toBe(false);
    old.release();
    expect(readOwner(dir)).toMatchObject({ generation: 2, record: { pid: GONE_PID - 1 } });
  });

  it(`GIVEN an owner that has been starting for longer than ${STARTUP_GRACE_MS / 1000} s WHEN judged THEN it is stale; a younger one is starting`, async () => {
    const dir = dataDir();
    const old = new Date(Date.now() - STARTUP_GRACE_MS - 1_000).toISOString();
    plant(dir, 1, { pid: process.pid, startedAt: old });
    expect(await judgeOwner(dir, readOwner(dir)!)).toBe('stale');
    plant(dir, 2, { pid: process.pid, startedAt: new Date().toISOString() });
    expect(await judgeOwner(dir, readOwner(dir)!)).toBe('starting');
  });

  it('GIVEN an owner that began to stop WHEN judged THEN it is waited for (not taken over) until it lets go, or is stuck stopping', async () => {
    const dir = dataDir();
    const owner = await DataDirOwnership.acquire(dir);
    owner.markStopping();
    expect(await judgeOwner(dir, readOwner(dir)!)).toBe('stopping');
    expect((await busyError(dir)).message).toContain(`pid ${process.pid}, stopping`);
    owner.release();
    expect(await judgeOwner(dir, readOwner(dir)!)).toBe('stale');
    const stuck = new Date(Date.now() - STARTUP_GRACE_MS - 1_000).toISOString();
    plant(dir, 2, { pid: process.pid, startedAt: stuck, stoppingSince: stuck });
    expect(await judgeOwner(dir, readOwner(dir)!)).toBe('stale');
  });

  it('GIVEN an owner file that is not a record WHEN judged THEN it is stale and can be taken over', async () => {
    const dir = dataDir();
    mkdirSync(join(dir, OWNER_DIR), { recursive: true });
    writeFileSync(join(dir, OWNER_DIR, '3.json'), 'not json');
    expect(readOwner(dir)).toEqual({ generation: 3, record: undefined });
    expect((await DataDirOwnership.acquire(dir)).generation).toBe(4);
  });
});
