import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PveApi, PveClient } from '../../lib/pve/index.ts';
import { startEmulator } from '../../lib/sim/index.ts';
import { ROOT, startChild } from './fixtures/child.ts';

interface TaskAnswer {
  upid: string;
  status: string;
  exitstatus?: string;
  starttime: number;
  endtime?: number;
}

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

/**
 * Latency scale of the killed emulator: three full clones of the 8 GiB
 * template share local-lvm's 1 GiB/s, so each copy takes 24 s at scale 1,
 * 1.2 s here, plus the allocations and the worker's own second.
 */
const SCALE = 0.05;
const CLONES_MS = (3 * 8_000 + 3 * 150 + 1_000) * SCALE;

describe('an emulator process killed while its tasks run', () => {
  it('GIVEN full clones sharing a storage in a `pvecdk sim` that is SIGKILLed WHEN a new emulator starts on its data dir after their end THEN the clones exist unlocked, in their pool, with OK tasks ending at their own time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-recovery-'));
    const sim = startChild([
      `${ROOT}bin/pvecdk.mjs`,
      'sim',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--json',
      '--latency-scale',
      String(SCALE),
    ]);
    const info = await sim.line<{ url: string; tokenId: string; tokenSecret: string; fingerprint: string }>();
    const before = new PveClient({
      hosts: [info.url],
      credentials: info,
      tls: { fingerprint: info.fingerprint },
    });
    await before.post('/pools', { poolid: 'crash' });
    const upids: string[] = [];
    for (const newid of [201, 202, 203])
      upids.push(await before.post<string>('/nodes/pve1/qemu/9002/clone', { newid, full: 1, pool: 'crash' }));
    const acceptedAt = Date.now();
    const running = await before.get<TaskAnswer>(`/nodes/pve1/tasks/${encodeURIComponent(upids[0]!)}/status`);
    expect(running.status).toBe('running');
    await before.close();
    sim.process.kill('SIGKILL');
    await sim.finish();

    // A second past the last end, so an end time taken at restart would show.
    await sleepUntil(acceptedAt + CLONES_MS + 1_500);
    const restartedAt = Date.now();
    const after = await startEmulator({ port: 0, dataDir, latencyScale: SCALE, checkAnswers: true });
    const client = new PveClient({
      hosts: [after.url],
      credentials: { tokenId: after.tokenId, tokenSecret: after.tokenSecret },
      tls: { fingerprint: after.fingerprint },
    });
    try {
      for (const vmid of [201, 202, 203]) {
        const config = await client.get<Record<string, unknown>>(`/nodes/pve1/qemu/${vmid}/config`);
        expect(config.lock).toBeUndefined();
      }
      const pool = await new PveApi(client).pools.get('crash');
      expect(pool.members.map((m) => m.vmid).sort()).toEqual([201, 202, 203]);

      const listed = await client.get<TaskAnswer[]>('/nodes/pve1/tasks');
      const task = (upid: string) => listed.find((t) => t.upid === upid)!;
      for (const upid of upids) {
        expect(task(upid).status).toBe('OK');
        // Ended when the copy was done, while no emulator ran: not when the new one started.
        expect(task(upid).endtime).toBeGreaterThanOrEqual(task(upid).starttime);
        expect(task(upid).endtime).toBeLessThanOrEqual(Math.floor((acceptedAt + CLONES_MS) / 1000));
        expect(task(upid).endtime).toBeLessThan(Math.floor(restartedAt / 1000));
        const status = await client.get<TaskAnswer>(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
        expect(status).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
      }
    } finally {
      await client.close();
      await after.close();
    }
  }, 60_000);
});
