import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALL_TASK_KINDS } from '../../lib/sim/api/index.ts';
import { placeUnreferencedVolume } from '../../lib/sim/api/storage-files.ts';
import {
  Emulator,
  type EmulatorOptions,
  type EmulatorState,
  type EmulatorTask,
  logTask,
  seedState,
  TASK_HISTORY,
  TaskRunner,
} from '../../lib/sim/index.ts';

/** A seeded cluster with three stopped VMs (150-152) that are not templates, so a clone locks its source. */
function clusterWithVms(): EmulatorState {
  const state = seedState();
  for (const vmid of [150, 151, 152]) {
    const { template: _t, ...config } = state.vms['9002']!.config;
    state.vms[String(vmid)] = {
      vmid,
      node: 'pve1',
      status: 'stopped',
      snapshots: {},
      config: { ...config, name: `src${vmid}`, scsi0: `local-lvm:vm-${vmid}-disk-0,size=8G` },
    };
  }
  state.pools.crash = { members: [] };
  return state;
}

function caller(emulator: Emulator) {
  const auth = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
  return (method: string, path: string, params: Record<string, string | number> = {}) => {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const res = emulator.handle({
      method,
      url: `/api2/json${path}${method === 'GET' && form ? `?${form}` : ''}`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: method === 'GET' ? '' : form,
    });
    const body = JSON.parse(res.body || '{}') as { data: unknown } & Record<string, unknown>;
    return { status: res.status, reason: res.reason, data: body.data, envelope: body };
  };
}

/** The state as the data dir holds it: what a new emulator process loads. */
const saved = (state: EmulatorState): EmulatorState => JSON.parse(JSON.stringify(state)) as EmulatorState;

const running: Emulator[] = [];
function emulatorOn(state: EmulatorState, options: EmulatorOptions = {}): Emulator {
  const emulator = new Emulator(state, { latencyScale: 1, ...options });
  running.push(emulator);
  return emulator;
}

afterEach(() => {
  for (const e of running.splice(0)) e.tasks.stop();
  vi.useRealTimers();
});

describe('tasks that outlive the emulator process', () => {
  it('GIVEN a clone accepted by one emulator WHEN another starts on its saved state after the clone ended THEN the clone is done, both VMs unlocked, and the task OK with the end it had', () => {
    const first = emulatorOn(clusterWithVms());
    const upid = caller(first)('POST', '/nodes/pve1/qemu/150/clone', { newid: 201, pool: 'crash' })
      .data as string;
    expect(first.state.vms['150']!.lock).toBe('clone');
    expect(first.state.vms['201']!.lock).toBe('create');
    const task = first.state.tasks![upid]!;
    const state = saved(first.state);
    first.tasks.stop(); // the process is gone

    const second = emulatorOn(state);
    second.tasks.resume(task.endsAtMs + 60_000);

    expect(second.state.vms['150']!.lock).toBeUndefined();
    expect(second.state.vms['201']!.lock).toBeUndefined();
    expect(second.state.pools.crash!.members).toEqual([201]);
    const status = caller(second)('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`).data;
    expect(status).toMatchObject({ status: 'stopped', exitstatus: 'OK', type: 'qmclone', id: '150' });
    const listed = (caller(second)('GET', '/nodes/pve1/tasks').data as Array<Record<string, unknown>>).find(
      (t) => t.upid === upid,
    );
    // Its end is when the work was due, not when the second emulator found it.
    expect(listed).toMatchObject({ status: 'OK', endtime: Math.floor(task.endsAtMs / 1000) });
    expect(second.state.tasks![upid]!.log.at(-1)).toBe('TASK OK');
  });

  it('GIVEN a full clone that waits past the storage lock WHEN finished by a later emulator THEN it fails as qm clone does: the half-made VM and its pool membership are gone, the source is unlocked', () => {
    // Each allocation holds local-lvm's lock 6 s: the third clone would wait 12 s and times out.
    const first = emulatorOn(clusterWithVms(), { storage: { allocateMs: 6_000 } });
    const call = caller(first);
    const upids = [150, 151, 152].map(
      (src, i) =>
        call('POST', `/nodes/pve1/qemu/${src}/clone`, { newid: 201 + i, pool: 'crash', storage: 'local-lvm' })
          .data as string,
    );
    const late = first.state.tasks![upids[2]!]!;
    const state = saved(first.state);
    first.tasks.stop();

    const second = emulatorOn(state);
    second.tasks.resume(late.endsAtMs + 1);

    expect(Object.keys(second.state.vms)).not.toContain('203');
    expect(second.state.pools.crash!.members.sort()).toEqual([201, 202]);
    expect(second.state.vms['152']!.lock).toBeUndefined();
    const failed = second.state.tasks![upids[2]!]!;
    expect(failed.exitstatus).toBe(
      "can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect(failed.log.at(-1)).toBe(
      "TASK ERROR: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect(failed.endtime).toBe(Math.floor(late.endsAtMs / 1000));
  });

  it('GIVEN a task whose end is still ahead WHEN a later emulator resumes it THEN it runs on and ends at its own time', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const first = emulatorOn(clusterWithVms());
    const upid = caller(first)('POST', '/nodes/pve1/qemu/150/status/start').data as string;
    const task = first.state.tasks![upid]!;
    const state = saved(first.state);
    first.tasks.stop();

    const second = emulatorOn(state);
    second.tasks.resume();
    expect(second.tasks.get(upid)!.status).toBe('running');
    expect(second.state.vms['150']!.status).toBe('stopped');

    vi.advanceTimersByTime(task.latencyMs);
    expect(second.tasks.get(upid)).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(second.state.vms['150']!.status).toBe('running');
  });

  it('GIVEN staged network changes and an apply accepted WHEN a later emulator resumes after its end THEN the bridge is applied and nothing stays staged', () => {
    const first = emulatorOn(clusterWithVms());
    const call = caller(first);
    call('POST', '/nodes/pve2/network', { iface: 'vmbr7', type: 'bridge' });
    const upid = call('PUT', '/nodes/pve2/network').data as string;
    const state = saved(first.state);
    first.tasks.stop();

    const second = emulatorOn(state);
    second.tasks.resume(state.tasks![upid]!.endsAtMs);
    expect(second.state.nodes.pve2!.network.vmbr7).toMatchObject({ iface: 'vmbr7', active: 1 });
    expect(second.state.nodes.pve2!.pendingNetwork).toBeUndefined();
  });

  it('GIVEN a destroy with purge and destroy-unreferenced-disks accepted WHEN a later emulator finishes it THEN the VM, its unreferenced volume, its backup job and HA resource are gone', () => {
    const first = emulatorOn(clusterWithVms());
    const call = caller(first);
    call('POST', '/cluster/backup', { id: 'only', schedule: '02:00', storage: 'nfs-backup', vmid: '150' });
    call('POST', '/cluster/ha/resources', { sid: 'vm:150' });
    placeUnreferencedVolume(first.state, {
      node: 'pve1',
      storage: 'local-lvm',
      vmid: 150,
      disk: 7,
      sizeGiB: 1,
    });
    const upid = call('DELETE', '/nodes/pve1/qemu/150?purge=1&destroy-unreferenced-disks=1').data as string;
    expect(first.state.vms['150']!.lock).toBe('destroyed');
    const state = saved(first.state);
    first.tasks.stop();

    const second = emulatorOn(state);
    second.tasks.resume(state.tasks![upid]!.endsAtMs);
    expect(second.state.vms['150']).toBeUndefined();
    expect(second.state.backupJobs).toEqual({});
    expect(second.state.haResources).toEqual({});
    expect(Object.values(second.state.storageFiles ?? {})).toEqual([]);
    expect(second.state.tasks![upid]).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
  });

  it('GIVEN a saved task of a kind this emulator does not know WHEN resumed THEN it ends with "unexpected status", as Proxmox shows a vanished worker', () => {
    const state = seedState();
    const runner = new TaskRunner(state, 1);
    const upid = runner.start(
      { node: 'pve1', type: 'qmfuture', id: '1', user: 'root@pam', latencyMs: 0 },
      logTask,
      [],
    );
    runner.stop();
    (state.tasks![upid] as { work: EmulatorTask['work'] }).work = { kind: 'not-a-kind', args: null };

    new TaskRunner(state, 1).resume();
    expect(state.tasks![upid]).toMatchObject({ status: 'stopped', exitstatus: 'unexpected status' });
  });

  it('GIVEN tasks saved by an earlier emulator WHEN a new one starts tasks THEN their UPIDs differ from every saved one', () => {
    const state = seedState();
    const spec = { node: 'pve1', type: 'qmconfig', id: '100', user: 'root@pam', latencyMs: 10_000 };
    const first = new TaskRunner(state, 1);
    const before = [first.start(spec, logTask, []), first.start(spec, logTask, [])];
    first.stop();
    const second = new TaskRunner(state, 1);
    const after = second.start(spec, logTask, []);
    second.stop();
    expect(before).not.toContain(after);
    expect(Object.keys(state.tasks!)).toHaveLength(3);
  });

  it(`GIVEN more than ${TASK_HISTORY} finished tasks WHEN another ends THEN the oldest finished ones go and running ones stay`, () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const state = seedState();
    const runner = new TaskRunner(state, 1);
    const spec = { node: 'pve1', type: 'qmconfig', id: '100', user: 'root@pam', latencyMs: 1 };
    const first = runner.start(spec, logTask, []);
    const long = runner.start({ ...spec, latencyMs: 3_600_000 }, logTask, []);
    for (let i = 0; i < TASK_HISTORY; i++) {
      vi.advanceTimersByTime(2);
      runner.start(spec, logTask, []);
    }
    vi.advanceTimersByTime(2);
    const finished = Object.values(state.tasks!).filter((t) => t.status === 'stopped');
    expect(finished).toHaveLength(TASK_HISTORY);
    expect(state.tasks![first]).toBeUndefined();
    expect(state.tasks![long]!.status).toBe('running');
    runner.stop();
  });

  it('GIVEN more tasks than a page WHEN the node task list is read THEN it gives the 50 newest by default, and honours start, limit and vmid', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const emulator = emulatorOn(clusterWithVms());
    const call = caller(emulator);
    const upids: string[] = [];
    for (let i = 0; i < 60; i++) {
      vi.advanceTimersByTime(1_000);
      upids.push(call('POST', `/nodes/pve1/qemu/${150 + (i % 3)}/status/start`).data as string);
      vi.advanceTimersByTime(2_000);
      call('POST', `/nodes/pve1/qemu/${150 + (i % 3)}/status/stop`);
      vi.advanceTimersByTime(2_000);
    }
    const page = call('GET', '/nodes/pve1/tasks').data as Array<{ upid: string; starttime: number }>;
    expect(page).toHaveLength(50);
    expect(page[0]!.starttime).toBeGreaterThan(page[49]!.starttime);
    const starts = call('GET', '/nodes/pve1/tasks', { typefilter: 'qmstart', vmid: 150, limit: 5, start: 1 })
      .data as Array<{ upid: string }>;
    const startsOf150 = upids.filter((_u, i) => i % 3 === 0).reverse();
    expect(starts.map((t) => t.upid)).toEqual(startsOf150.slice(1, 6));
  });

  it('GIVEN a running and a finished task WHEN the node task list is read THEN archive (the default) lists the finished one, active the running one (status RUNNING), all both, with the total and the token apart from its user', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const emulator = emulatorOn(clusterWithVms());
    const call = caller(emulator);
    const done = call('POST', '/nodes/pve1/qemu/150/status/start').data as string;
    vi.advanceTimersByTime(60_000);
    const going = call('POST', '/nodes/pve1/qemu/151/clone', { newid: 160, full: 1 }).data as string;
    const list = (params: Record<string, string> = {}) => call('GET', '/nodes/pve1/tasks', params);
    const upids = (answer: { data: unknown }) => (answer.data as Array<{ upid: string }>).map((t) => t.upid);

    expect(upids(list())).toEqual([done]);
    expect(list().envelope.total).toBe(1);
    const active = list({ source: 'active' });
    expect(active.data).toEqual([
      expect.objectContaining({
        upid: going,
        status: 'RUNNING',
        user: 'root@pam',
        tokenid: 'pvecdk',
        id: '151',
      }),
    ]);
    expect(upids(list({ source: 'all' }))).toEqual([going, done]);
    expect(list({ source: 'all', limit: '1' }).envelope.total).toBe(2);
    expect((list().data as Array<Record<string, unknown>>)[0]).toMatchObject({
      status: 'OK',
      endtime: expect.any(Number),
    });
  });

  it('GIVEN every task kind the endpoints define WHEN a restarted emulator looks them up THEN each is registered under its own name', () => {
    const api = new URL('../../lib/sim/api/', import.meta.url);
    const defined = readdirSync(api)
      .flatMap((f) => [...readFileSync(new URL(f, api), 'utf8').matchAll(/name: '([\w-]+)',\n\s+run:/g)])
      .map((m) => m[1]!)
      .sort();
    expect(defined.length).toBeGreaterThan(10);
    expect(ALL_TASK_KINDS.map((k) => k.name).sort()).toEqual(defined);
  });
});
