import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PveApi, PveClient, PveError } from '../../lib/pve/index.ts';
import { FaultInjector, type FaultPlan, type RunningEmulator, startEmulator } from '../../lib/sim/index.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function serve(faults: Partial<FaultPlan>): Promise<RunningEmulator> {
  const s = await startEmulator({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pvecdk-faults-')),
    latencyScale: 0.001,
    faults,
    checkAnswers: true,
  });
  running.push(s);
  return s;
}

function api(s: RunningEmulator, attempts = 8): PveApi {
  const c = new PveClient({
    hosts: [s.url],
    credentials: { tokenId: s.tokenId, tokenSecret: s.tokenSecret },
    tls: { fingerprint: s.fingerprint },
    backoff: { attempts, baseMs: 1, maxMs: 4 },
  });
  running.push(c);
  return new PveApi(c, { pollMs: 2, maxPollMs: 5 });
}

describe('fault injection', () => {
  it('GIVEN 5xx and resets on a third of reads WHEN a client reads THEN it converges through retries', async () => {
    const s = await serve({
      seed: 7,
      rules: [
        { method: 'GET', rate: 0.3, fault: 'server-error' },
        { method: 'GET', rate: 0.2, fault: 'reset' },
      ],
    });
    const a = api(s);
    for (let i = 0; i < 20; i++) expect((await a.version()).release).toBe('8.4');
    expect(s.faults.injected.requests).toBeGreaterThan(5);
  });

  it('GIVEN lock timeouts on writes WHEN a config change is made THEN it is retried and applied exactly once', async () => {
    const s = await serve({
      seed: 3,
      rules: [{ method: 'PUT', path: '/qemu/\\d+/config$', rate: 0.5, fault: 'lock-timeout' }],
    });
    const c = api(s).client;
    for (let i = 1; i <= 6; i++) await c.put('/nodes/pve1/qemu/9002/config', { description: `v${i}` });
    expect(s.emulator.state.vms[9002]!.config.description).toBe('v6');
    expect(s.faults.injected.requests).toBeGreaterThan(0);
  });

  it('GIVEN 5xx on writes WHEN a write gets one THEN it is not repeated and the error is clear', async () => {
    const s = await serve({ seed: 1, rules: [{ method: 'POST', rate: 1, fault: 'server-error' }] });
    const e = await api(s)
      .cloneQemu('pve1', 9002, { newid: 150 })
      .catch((x: unknown) => x as PveError);
    expect(e).toBeInstanceOf(PveError);
    expect((e as PveError).message).toContain('POST /nodes/pve1/qemu/9002/clone: emulated server error');
    expect(s.emulator.stats.requests).toBe(0);
  });

  it('GIVEN failing tasks WHEN a clone runs THEN PVE_TASK_FAILED carries the injected error and the log', async () => {
    const s = await serve({ taskFailureRate: 1, taskError: 'storage migration failed: disk full' });
    const e = (await api(s)
      .cloneQemu('pve1', 9002, { newid: 151 })
      .catch((x: unknown) => x)) as PveError;
    expect(e.code).toBe('PVE_TASK_FAILED');
    expect(e.taskLog.at(-1)).toBe('TASK ERROR: storage migration failed: disk full');
  });

  it('GIVEN the same seed WHEN the same requests are decided THEN the faults are the same', () => {
    const plan = { seed: 42, rules: [{ rate: 0.5, fault: 'server-error' as const }] };
    const req = { method: 'GET', url: '/api2/json/version', headers: {}, body: '' };
    const run = () => {
      const f = new FaultInjector(plan);
      return Array.from({ length: 30 }, () => (f.decide(req) ? 1 : 0)).join('');
    };
    expect(run()).toBe(run());
    expect(run()).toMatch(/1/);
    expect(run()).toMatch(/0/);
  });

  it('GIVEN the admin endpoint WHEN called with the root token THEN the plan changes at run time; without it, 401', async () => {
    const s = await serve({});
    const { request, Agent } = await import('undici');
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const put = async (auth: string, body: unknown) => {
      const res = await request(`${s.url}/pvecdk-sim/faults`, {
        method: 'PUT',
        headers: { authorization: auth },
        body: JSON.stringify(body),
        dispatcher,
      });
      return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
    };
    expect((await put('PVEAPIToken=root@pam!pvecdk=wrong', {})).status).toBe(401);
    const ok = await put(`PVEAPIToken=${s.tokenId}=${s.tokenSecret}`, {
      seed: 9,
      rules: [{ rate: 1, fault: 'server-error', path: '^/nodes$' }],
    });
    expect(ok.status).toBe(200);
    const bad = await put(`PVEAPIToken=${s.tokenId}=${s.tokenSecret}`, {
      rules: [{ rate: 2, fault: 'server-error' }],
    });
    expect(bad.status).toBe(400);
    await dispatcher.close();
    const e = (await api(s, 1)
      .nodes()
      .catch((x: unknown) => x)) as PveError;
    expect(e.code).toBe('PVE_SERVER');
  });
});
