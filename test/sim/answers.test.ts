import { describe, expect, it } from 'vitest';
import { ALL_HANDLERS } from '../../lib/sim/api/index.ts';
import { Emulator, seedState, startTestEmulator } from '../../lib/sim/index.ts';
import { setUserPassword } from '../../lib/sim/shadow.ts';

/** Endpoints this walk leaves to their own tests, and why. */
const ELSEWHERE: Record<string, string> = {
  'POST /nodes/{node}/storage/{storage}/upload': 'needs a multipart body: test/sim/upload.test.ts',
  'DELETE /nodes/{node}/storage/{storage}/content/{volume}':
    'needs an uploaded file: test/sim/upload.test.ts',
};

function setup() {
  const emulator = new Emulator(seedState(), { latencyScale: 0, checkAnswers: true });
  const auth = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
  const call = (method: string, path: string, params: Record<string, string | number> = {}): unknown => {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const inQuery = method === 'GET' || method === 'DELETE';
    const res = emulator.handle({
      method,
      url: `/api2/json${path}${inQuery && form ? `?${form}` : ''}`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: inQuery ? '' : form,
    });
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.reason}`);
    return (JSON.parse(res.body) as { data: unknown }).data;
  };
  // Tasks run on timers; at latency scale 0 one turn of the event loop ends them.
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return { emulator, call, settle };
}

async function walkAccess({ emulator, call }: ReturnType<typeof setup>) {
  const password = 'root password for this test';
  setUserPassword(emulator.state, 'root@pam', password);
  call('POST', '/access/ticket', { username: 'root@pam', password });
  call('GET', '/access/permissions');
  call('POST', '/access/groups', { groupid: 'admins', comment: 'administrators' });
  call('GET', '/access/groups');
  call('PUT', '/access/groups/admins', { comment: 'admins' });
  call('POST', '/access/users', { userid: 'ops@pve', comment: 'operators', groups: 'admins' });
  call('GET', '/access/users');
  call('GET', '/access/users/ops@pve');
  call('PUT', '/access/users/ops@pve', { comment: 'ops', email: 'ops@example.com' });
  call('POST', '/access/users/ops@pve/token/ci', { privsep: 1 });
  call('GET', '/access/users', { full: 1 });
  call('GET', '/access/groups/admins');
  call('GET', '/access/users/ops@pve/token');
  call('PUT', '/access/users/ops@pve/token/ci', { comment: 'ci' });
  call('POST', '/access/roles', { roleid: 'Ops', privs: 'VM.Audit' });
  call('GET', '/access/roles');
  call('PUT', '/access/roles/Ops', { privs: 'VM.Audit,VM.PowerMgmt' });
  call('PUT', '/access/acl', { path: '/vms', roles: 'Ops', users: 'ops@pve' });
  call('GET', '/access/acl');
  call('PUT', '/access/acl', { path: '/vms', roles: 'Ops', users: 'ops@pve', delete: 1 });
  call('DELETE', '/access/users/ops@pve/token/ci');
  call('DELETE', '/access/roles/Ops');
  call('DELETE', '/access/users/ops@pve');
  call('DELETE', '/access/groups/admins');
}

async function walkDatacenter({ call }: ReturnType<typeof setup>) {
  call('POST', '/pools', { poolid: 'acme', comment: 'Acme' });
  call('PUT', '/pools/acme', { vms: 9002 });
  call('GET', '/pools');
  call('GET', '/pools/acme');
  call('PUT', '/pools/acme', { vms: 9002, delete: 1 });
  call('DELETE', '/pools/acme');
  call('POST', '/cluster/backup', { id: 'nightly', schedule: '02:00', storage: 'nfs-backup', all: 1 });
  call('GET', '/cluster/backup');
  call('GET', '/cluster/backup/nightly');
  call('PUT', '/cluster/backup/nightly', { schedule: '03:00' });
  call('DELETE', '/cluster/backup/nightly');
  call('POST', '/cluster/ha/groups', { group: 'pair', nodes: 'pve1,pve2' });
  call('GET', '/cluster/ha/groups');
  call('GET', '/cluster/ha/groups/pair');
  call('PUT', '/cluster/ha/groups/pair', { comment: 'two nodes' });
  call('POST', '/cluster/ha/resources', { sid: 'vm:9002', max_restart: 2, group: 'pair' });
  call('GET', '/cluster/ha/resources');
  call('GET', '/cluster/ha/resources/vm:9002');
  call('PUT', '/cluster/ha/resources/vm:9002', { state: 'stopped' });
  call('DELETE', '/cluster/ha/resources/vm:9002');
  call('DELETE', '/cluster/ha/groups/pair');
  call('GET', '/storage');
  call('GET', '/nodes/pve1/storage');
  call('GET', '/storage', { type: 'dir' });
  call('GET', '/storage/local-lvm');
  call('GET', '/nodes/pve1/storage', { content: 'images', enabled: 1 });
  call('GET', '/nodes/pve1/lxc');
  call('GET', '/access/domains');
  call('GET', '/cluster/tasks');
  call('GET', '/nodes/pve1/storage/local/content');
  call('GET', '/version');
  call('GET', '/nodes');
  call('GET', '/nodes/pve1/status');
  call('GET', '/cluster/resources');
  call('GET', '/cluster/nextid');
}

async function walkFirewall({ call }: ReturnType<typeof setup>) {
  call('POST', '/cluster/firewall/groups', { group: 'web', comment: 'web servers' });
  call('GET', '/cluster/firewall/groups');
  const rule = { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '443', enable: 1 };
  for (const [base, rules] of [
    ['/cluster/firewall', '/cluster/firewall/rules'],
    ['/nodes/pve1/firewall', '/nodes/pve1/firewall/rules'],
    ['/nodes/pve1/qemu/9002/firewall', '/nodes/pve1/qemu/9002/firewall/rules'],
    ['/cluster/firewall/groups/web', '/cluster/firewall/groups/web'],
  ] as const) {
    call('POST', rules, rule);
    call('GET', rules);
    call('GET', `${rules}/0`);
    call('PUT', `${rules}/0`, { dport: '8443' });
    call('DELETE', `${rules}/0`);
    if (!base.includes('/groups/')) {
      call('PUT', `${base}/options`, { enable: 1 });
      call('GET', `${base}/options`);
    }
  }
  for (const base of ['/cluster/firewall', '/nodes/pve1/qemu/9002/firewall']) {
    call('POST', `${base}/aliases`, { name: 'office', cidr: '203.0.113.0/24' });
    call('GET', `${base}/aliases`);
    call('PUT', `${base}/aliases/office`, { cidr: '203.0.113.0/25' });
    call('DELETE', `${base}/aliases/office`);
    call('POST', `${base}/ipset`, { name: 'admins', comment: 'admins' });
    call('GET', `${base}/ipset`);
    call('POST', `${base}/ipset/admins`, { cidr: '10.0.0.1' });
    call('GET', `${base}/ipset/admins`);
    call('DELETE', `${base}/ipset/admins/10.0.0.1`);
    call('DELETE', `${base}/ipset/admins`);
  }
}

async function walkNetwork({ call, settle }: ReturnType<typeof setup>) {
  call('GET', '/nodes/pve1/network');
  call('GET', '/nodes/pve1/network/vmbr0');
  call('POST', '/nodes/pve1/network', { iface: 'vmbr9', type: 'bridge', autostart: 1 });
  call('PUT', '/nodes/pve1/network/vmbr9', { type: 'bridge', comments: 'lab' });
  call('PUT', '/nodes/pve1/network');
  await settle();
  call('DELETE', '/nodes/pve1/network/vmbr9');
  call('DELETE', '/nodes/pve1/network');
}

async function walkQemu({ call, settle }: ReturnType<typeof setup>) {
  call('GET', '/nodes/pve1/qemu');
  call('POST', '/nodes/pve1/qemu', { vmid: 300, name: 'blank', memory: '1024', scsi0: 'local-lvm:4' });
  call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 301, name: 'web', full: 1 });
  await settle();
  call('POST', '/nodes/pve1/qemu/300/template');
  call('GET', '/nodes/pve1/qemu/301/config');
  call('PUT', '/nodes/pve1/qemu/301/config', { cores: 4 });
  call('POST', '/nodes/pve1/qemu/301/config', { memory: '4096' });
  call('PUT', '/nodes/pve1/qemu/301/resize', { disk: 'scsi0', size: '+2G' });
  call('POST', '/nodes/pve1/qemu/301/move_disk', { disk: 'scsi0', storage: 'ceph-vm' });
  await settle();
  call('PUT', '/nodes/pve1/qemu/301/unlink', { idlist: 'unused0' });
  call('POST', '/nodes/pve1/qemu/301/status/start');
  await settle();
  call('PUT', '/nodes/pve1/qemu/301/config', { cores: 6 });
  call('GET', '/nodes/pve1/qemu/301/pending');
  call('GET', '/nodes/pve1/qemu/301/status/current');
  call('POST', '/nodes/pve1/qemu/301/agent/ping');
  call('GET', '/nodes/pve1/qemu/301/agent/network-get-interfaces');
  const { pid } = call('POST', '/nodes/pve1/qemu/301/agent/exec', { command: 'uptime' }) as { pid: number };
  call('GET', '/nodes/pve1/qemu/301/agent/exec-status', { pid });
  call('POST', '/nodes/pve1/qemu/301/vncproxy');
  call('POST', '/nodes/pve1/qemu/301/termproxy');
  for (const action of ['reboot', 'reset', 'suspend', 'resume', 'shutdown']) {
    call('POST', `/nodes/pve1/qemu/301/status/${action}`);
    await settle();
  }
  call('POST', '/nodes/pve1/qemu/301/snapshot', { snapname: 'before', description: 'first' });
  await settle();
  call('GET', '/nodes/pve1/qemu/301/snapshot');
  call('POST', '/nodes/pve1/qemu/301/snapshot/before/rollback');
  await settle();
  call('DELETE', '/nodes/pve1/qemu/301/snapshot/before');
  await settle();
  const upid = String(call('POST', '/nodes/pve1/qemu/301/migrate', { target: 'pve2' }));
  await settle();
  call('GET', '/nodes/pve1/tasks');
  call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
  call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`);
  call('POST', '/nodes/pve2/qemu/301/status/stop');
  await settle();
  call('DELETE', '/nodes/pve2/qemu/301');
  await settle();
}

describe('answers against the schema', () => {
  it("GIVEN every endpoint the emulator handles WHEN each is called in a working order THEN every answer matches the schema's returns", async () => {
    const walk = setup();
    await walkAccess(walk);
    await walkDatacenter(walk);
    await walkFirewall(walk);
    await walkNetwork(walk);
    await walkQemu(walk);
    const { answerChecks } = walk.emulator;
    expect(answerChecks.mismatches).toEqual([]);
    const handled = [...new Set(ALL_HANDLERS.map(([method, template]) => `${method} ${template}`))];
    expect(handled.filter((e) => !answerChecks.endpoints.has(e) && !ELSEWHERE[e])).toEqual([]);
  });

  it('GIVEN a handler that leaves out a required field WHEN a test calls it THEN the call fails with a 500 naming method, path and field, and close() fails too', async () => {
    const emulator = await startTestEmulator({}, { backoff: { attempts: 1, baseMs: 1, maxMs: 1 } });
    emulator.server.emulator.registerAll([['GET', '/version', () => ({ version: '8.4.1', release: '8.4' })]]);
    const expected =
      'pvecdk emulator: answer does not match returns of GET /version (GET /version): data.repoid: property is missing and it is not optional';
    await expect(emulator.api.version()).rejects.toMatchObject({
      code: 'PVE_SERVER',
      message: expect.stringContaining(expected),
    });
    await expect(emulator.close()).rejects.toThrow(expected);
  });
});
