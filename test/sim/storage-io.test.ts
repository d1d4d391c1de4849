import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emulator, type EmulatorOptions, seedState } from '../../lib/sim/index.ts';

const running: Emulator[] = [];
afterEach(() => {
  for (const e of running.splice(0)) e.tasks.stop();
  vi.useRealTimers();
});

/** An emulator at realistic latencies on fake timers, and a caller that answers like the HTTPS layer. */
function setup(options: EmulatorOptions = {}) {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  const emulator = new Emulator(seedState(), { latencyScale: 1, ...options });
  running.push(emulator);
  const auth = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
  const call = (method: string, path: string, params: Record<string, string | number> = {}) => {
    const res = emulator.handle({
      method,
      url: `/api2/json${path}`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString(),
    });
    const body = JSON.parse(res.body || '{}') as { data: unknown };
    return { status: res.status, reason: res.reason, data: body.data };
  };
  const clone = (source: number, newid: number, full: 0 | 1) =>
    call('POST', `/nodes/pve1/qemu/${source}/clone`, { newid, full }).data as string;
  /** Runs the fake clock until the task stops; its duration in ms. */
  const durationOf = (upid: string) => {
    const task = emulator.tasks.get(upid)!;
    for (let i = 0; i < 5_000 && task.status === 'running'; i++) vi.advanceTimersByTime(100);
    expect(task.status).toBe('stopped');
    return { ms: task.endsAtMs - task.startedAtMs, exit: task.exitstatus };
  };
  return { emulator, call, clone, durationOf };
}

describe('clones and the storage they write to', () => {
  it('GIVEN local-lvm writing 1 GiB/s WHEN one full clone of an 8 GiB template runs THEN it takes the copy (8 s), its allocation and its own second', () => {
    const { clone, durationOf } = setup({ storage: { bandwidthMiBps: { 'local-lvm': 1024 } } });
    const { ms, exit } = durationOf(clone(9002, 300, 1));
    expect(exit).toBe('OK');
    expect(ms).toBe(8_000 + 150 + 1_000);
  });

  it('GIVEN two full clones of the 8 GiB template started together WHEN they copy THEN they share the bandwidth: both take about twice as long, and neither fails on a lock', () => {
    const { clone, durationOf } = setup({ storage: { bandwidthMiBps: { '*': 1024 } } });
    const first = clone(9002, 300, 1);
    const second = clone(9002, 301, 1);
    const a = durationOf(first);
    const b = durationOf(second);
    expect([a.exit, b.exit]).toEqual(['OK', 'OK']);
    // 16 GiB through 1 GiB/s: the pair ends 16 s after the first copy began (after the first allocation).
    expect(Math.max(a.ms, b.ms)).toBeGreaterThanOrEqual(150 + 16_000 + 1_000 - 1);
    expect(Math.max(a.ms, b.ms)).toBeLessThanOrEqual(150 + 16_000 + 1_000 + 1);
    expect(Math.min(a.ms, b.ms)).toBeGreaterThan(15_000);
  });

  it('GIVEN a 60 GiB template WHEN cloned linked THEN nothing is copied: the clone takes its allocation and its own second', () => {
    const { clone, durationOf, emulator } = setup();
    const { ms, exit } = durationOf(clone(9001, 302, 0));
    expect(exit).toBe('OK');
    expect(ms).toBe(150 + 1_000);
    expect(String(emulator.state.vms['302']!.config.scsi0)).toMatch(
      /^local-lvm:base-9001-disk-0\/vm-302-disk-0/,
    );
  });

  it('GIVEN full clones from a template running for a minute WHEN the template is changed or deleted THEN its config lock times out as Proxmox answers; clones of it still run side by side', () => {
    const { call, clone, durationOf } = setup();
    const upids = [clone(9001, 303, 1), clone(9001, 304, 1)];
    const change = call('PUT', '/nodes/pve1/qemu/9001/config', { cores: 4 });
    expect(change.status).toBe(500);
    expect(change.reason).toContain("can't lock file '/var/lock/qemu-server/lock-9001.conf' - got timeout");
    const remove = call('DELETE', '/nodes/pve1/qemu/9001');
    expect(remove.reason).toContain("can't lock file '/var/lock/qemu-server/lock-9001.conf' - got timeout");
    expect(upids.map((u) => durationOf(u).exit)).toEqual(['OK', 'OK']);
    expect(call('PUT', '/nodes/pve1/qemu/9001/config', { cores: 4 }).status).toBe(200);
  });

  it('GIVEN a storage whose allocations are slow WHEN more clones queue on its lock than 10 s allow THEN the late ones fail with the storage lock timeout and the others go on', () => {
    const { clone, durationOf, emulator } = setup({ storage: { allocateMs: 4_000 } });
    const upids = [300, 301, 302, 303].map((id) => clone(9002, id, 1));
    const exits = upids.map((u) => durationOf(u).exit);
    expect(exits.slice(0, 3)).toEqual(['OK', 'OK', 'OK']);
    expect(exits[3]).toBe("can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout");
    expect(emulator.state.vms['303']).toBeUndefined();
  });
});
