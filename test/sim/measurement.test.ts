import { describe, expect, it } from 'vitest';
import { DEFAULT_LATENCY, Simulator, seedState } from '../../lib/sim/index.ts';

function simulator(latencyScale: number) {
  const state = seedState();
  const sim = new Simulator(state, { latencyScale });
  const authorization = `PVEAPIToken=root@pam!pvecdk=${state.tokens['root@pam!pvecdk']!.secret}`;
  const send = (method: string, path: string, body = '') =>
    sim.handle({ method, url: `/api2/json${path}`, headers: { authorization }, body });
  return { sim, send };
}

describe('emulator measurement data', () => {
  it('GIVEN reads, a write and a refused request WHEN handled THEN stats count each by HTTP method', () => {
    const { sim, send } = simulator(0);
    send('GET', '/version');
    send('GET', '/cluster/resources');
    send('PUT', '/nodes/pve1/qemu/9002/config', 'description=x');
    send('get', '/no/such/path');
    expect(sim.stats.byMethod).toEqual({ GET: 3, PUT: 1 });
    expect(sim.stats.requests).toBe(4);
    expect(sim.stats.writes).toBe(1);
  });

  it('GIVEN a latency scale WHEN a task starts THEN it records the scaled latency it runs for', () => {
    const { sim, send } = simulator(0.5);
    const answer = send('POST', '/nodes/pve1/qemu/9002/clone', 'newid=200&full=1');
    const upid = (JSON.parse(answer.body) as { data: string }).data;
    expect(sim.tasks.get(upid)?.latencyMs).toBe(DEFAULT_LATENCY.clone * 0.5);
    sim.tasks.stop();
  });
});
