import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PveApi, PveClient, type PveError, parseUpid, taskSucceeded } from '../../lib/pve/index.ts';
import { type FixtureCert, makeCert, type Reply, type Seen, startFixture } from './https-fixture.ts';

const UPID = 'UPID:pve1:0003A1F2:0157C0DE:6650A1B2:qmclone:9001:root@pam!pvecdk:';
let cert: FixtureCert;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(() => {
  cert = makeCert();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function api(handler: (r: Seen) => Reply) {
  const f = await startFixture(cert, handler);
  const c = new PveClient({
    hosts: [f.url],
    credentials: { tokenId: 'root@pam!pvecdk', tokenSecret: 's' },
    tls: { fingerprint: cert.fingerprint },
  });
  open.push(f, c);
  return { f, api: new PveApi(c, { pollMs: 1, maxPollMs: 5, timeoutMs: 2_000 }) };
}

describe('tasks', () => {
  it('GIVEN a UPID WHEN parsed THEN node, type, id and user come out', () => {
    expect(parseUpid(UPID)).toMatchObject({
      node: 'pve1',
      type: 'qmclone',
      id: '9001',
      user: 'root@pam!pvecdk',
      pid: 0x3a1f2,
    });
    expect(() => parseUpid('UPID:bad')).toThrow("'UPID:bad' is not a task id");
    expect(taskSucceeded('OK')).toBe(true);
    expect(taskSucceeded('WARNINGS: 2')).toBe(true);
    expect(taskSucceeded("can't lock file")).toBe(false);
  });

  it('GIVEN a clone task WHEN it runs then stops OK THEN the call returns after polling', async () => {
    let polls = 0;
    const { f, api: a } = await api((r) => {
      if (r.path.endsWith('/clone')) return { json: { data: UPID } };
      polls += 1;
      return { json: { data: polls < 3 ? { status: 'running' } : { status: 'stopped', exitstatus: 'OK' } } };
    });
    await a.cloneQemu('pve1', 9001, { newid: 1042, full: true });
    expect(polls).toBe(3);
    expect(f.seen[1]!.path).toBe(`/nodes/pve1/tasks/${encodeURIComponent(UPID)}/status`);
  });

  it('GIVEN a task that fails WHEN waited for THEN PVE_TASK_FAILED carries the exit status and the last log lines', async () => {
    const { api: a } = await api((r) => {
      if (r.path.endsWith('/clone')) return { json: { data: UPID } };
      if (r.path.endsWith('/log')) {
        return {
          json: {
            data: Array.from({ length: 14 }, (_, i) => ({
              n: i + 1,
              t: i === 13 ? 'TASK ERROR: storage full' : `line ${i + 1}`,
            })),
            total: 14,
          },
        };
      }
      return { json: { data: { status: 'stopped', exitstatus: 'storage full' } } };
    });
    let error: PveError | undefined;
    try {
      await a.cloneQemu('pve1', 9001, { newid: 1042 });
    } catch (e) {
      error = e as PveError;
    }
    expect(error?.code).toBe('PVE_TASK_FAILED');
    expect(error?.message).toContain('task qmclone 9001 on pve1 failed: storage full');
    expect(error?.taskLog).toHaveLength(10);
    expect(error?.taskLog.at(-1)).toBe('TASK ERROR: storage full');
    expect(error?.message).toContain('    line 5');
  });

  it('GIVEN a task that never stops WHEN the timeout passes THEN PVE_TIMEOUT says the task goes on', async () => {
    const { f } = await api(() => ({ json: { data: { status: 'running' } } }));
    const c = new PveClient({
      hosts: [f.url],
      credentials: { tokenId: 'root@pam!pvecdk', tokenSecret: 's' },
      tls: { fingerprint: cert.fingerprint },
    });
    open.push(c);
    const { waitForTask } = await import('../../lib/pve/index.ts');
    await expect(waitForTask(c, UPID, { pollMs: 1, maxPollMs: 2, timeoutMs: 20 })).rejects.toMatchObject({
      code: 'PVE_TIMEOUT',
      message: expect.stringContaining('task qmclone 9001 on pve1 still running after 20 ms'),
    });
  });
});
