import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_LATENCY, Emulator, seedState } from '../../lib/sim/index.ts';
import { DEFAULT_ALLOCATE_MS } from '../../lib/sim/storage-io.ts';

function setup(latencyScale: number) {
  const state = seedState();
  const emulator = new Emulator(state, { latencyScale, checkAnswers: true });
  const authorization = `PVEAPIToken=root@pam!pvecdk=${state.tokens['root@pam!pvecdk']!.secret}`;
  const send = (method: string, path: string, body = '') =>
    emulator.handle({ method, url: `/api2/json${path}`, headers: { authorization }, body });
  return { emulator, send };
}

describe('emulator measurement data', () => {
  it('GIVEN reads, a write and a refused request WHEN handled THEN stats count each by HTTP method', () => {
    const { emulator, send } = setup(0);
    send('GET', '/version');
    send('GET', '/cluster/resources');
    send('PUT', '/nodes/pve1/qemu/9002/config', 'description=x');
    send('get', '/no/such/path');
    expect(emulator.stats.byMethod).toEqual({ GET: 3, PUT: 1 });
    expect(emulator.stats.requests).toBe(4);
    expect(emulator.stats.writes).toBe(1);
  });

  it('GIVEN a latency scale WHEN a task starts THEN it records the scaled latency it runs for', () => {
    // The clock stands still (Date only; timers stay real), so the figure is exact on a loaded machine.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 7) });
    const { emulator, send } = setup(0.5);
    const answer = send('POST', '/nodes/pve1/qemu/9002/clone', 'newid=200&full=1');
    const upid = (JSON.parse(answer.body) as { data: string }).data;
    // Its allocation, the copy of the 8 GiB disk at the default 1 GiB/s, and the worker's own work.
    const expected = (DEFAULT_ALLOCATE_MS + 8_000 + DEFAULT_LATENCY.clone) * 0.5;
    try {
      expect(emulator.tasks.get(upid)!.latencyMs).toBe(expected);
    } finally {
      emulator.tasks.stop();
      vi.useRealTimers();
    }
  });
});
