import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PveApi, PveClient } from '../../lib/pve/index.ts';
import { type FixtureCert, makeCert, type Reply, type Seen, startFixture } from './https-fixture.ts';

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
  return { f, api: new PveApi(c) };
}

const call = (s: Seen) => `${s.method} ${s.path}`;

describe('typed API areas', () => {
  it('GIVEN firewall scopes WHEN rules, options, ipsets and aliases are used THEN paths and params follow Proxmox', async () => {
    const { f, api: a } = await api((r) => {
      if (r.method !== 'GET') return { json: { data: null } };
      if (r.path.endsWith('/rules'))
        return {
          json: {
            data: [{ pos: 0, type: 'in', action: 'ACCEPT', enable: 1, macro: 'SSH', digest: 'd1' }],
          },
        };
      if (r.path.endsWith('/options')) return { json: { data: { enable: 1, policy_in: 'DROP' } } };
      if (r.path.endsWith('/ipset/mgmt')) return { json: { data: [{ cidr: '10.0.0.0/24', nomatch: 1 }] } };
      return { json: { data: [{ name: 'gw', cidr: '10.0.0.1', digest: 'd2' }] } };
    });
    const vm = { level: 'vm', node: 'pve1', vmid: 101 } as const;
    const rules = await a.firewall.rules(vm);
    expect(rules[0]).toMatchObject({ pos: 0, action: 'ACCEPT', enable: true, digest: 'd1' });
    await a.firewall.createRule({ level: 'group', group: 'web' }, { type: 'in', action: 'ACCEPT', pos: 0 });
    await a.firewall.deleteRule({ level: 'cluster' }, 3, 'd1');
    expect(await a.firewall.options({ level: 'node', node: 'pve1' })).toEqual({
      enable: 1,
      policy_in: 'DROP',
    });
    await a.firewall.setOptions(vm, { enable: true, policy_in: 'DROP' });
    expect(await a.firewall.ipsetEntries({ level: 'cluster' }, 'mgmt')).toEqual([
      { cidr: '10.0.0.0/24', nomatch: true },
    ]);
    await a.firewall.addIpsetEntry({ level: 'cluster' }, 'mgmt', '10.0.1.0/24', { comment: 'office' });
    await a.firewall.removeIpsetEntry({ level: 'cluster' }, 'mgmt', '10.0.1.0/24');
    expect((await a.firewall.aliases(vm))[0]?.name).toBe('gw');
    expect(f.seen.map(call)).toEqual([
      'GET /nodes/pve1/qemu/101/firewall/rules',
      'POST /cluster/firewall/groups/web',
      'DELETE /cluster/firewall/rules/3',
      'GET /nodes/pve1/firewall/options',
      'PUT /nodes/pve1/qemu/101/firewall/options',
      'GET /cluster/firewall/ipset/mgmt',
      'POST /cluster/firewall/ipset/mgmt',
      'DELETE /cluster/firewall/ipset/mgmt/10.0.1.0%2F24',
      'GET /nodes/pve1/qemu/101/firewall/aliases',
    ]);
    expect(f.seen[2]!.query.get('digest')).toBe('d1');
    expect(Object.fromEntries(f.seen[4]!.body)).toEqual({ enable: '1', policy_in: 'DROP' });
    expect(Object.fromEntries(f.seen[6]!.body)).toEqual({ cidr: '10.0.1.0/24', comment: 'office' });
  });

  it('GIVEN pools and access calls WHEN made THEN lists are validated and lists of ids are joined', async () => {
    const { f, api: a } = await api((r) => {
      if (r.path === '/pools' && r.method === 'GET') return { json: { data: [{ poolid: 'acme' }] } };
      if (r.path === '/pools/acme' && r.method === 'GET')
        return {
          json: { data: { members: [{ id: 'qemu/101', type: 'qemu', vmid: 101, node: 'pve1' }] } },
        };
      if (r.path === '/access/acl')
        return r.method === 'GET'
          ? {
              json: {
                data: [
                  {
                    path: '/pool/acme',
                    type: 'token',
                    ugid: 'ops@pve!ci',
                    roleid: 'PVEVMUser',
                    propagate: 1,
                  },
                ],
              },
            }
          : { json: { data: null } };
      if (r.path === '/access/users/ops%40pve/token/ci' || r.path === '/access/users/ops@pve/token/ci')
        return { json: { data: { 'full-tokenid': 'ops@pve!ci', value: 'uuid', info: { privsep: 1 } } } };
      return { json: { data: null } };
    });
    expect(await a.pools.list()).toEqual([{ poolid: 'acme' }]);
    expect((await a.pools.get('acme')).members[0]?.vmid).toBe(101);
    await a.pools.update('acme', { vms: [101, 102], 'allow-move': true });
    expect((await a.access.acl())[0]).toMatchObject({ type: 'token', propagate: true });
    await a.access.setAcl({
      path: '/pool/acme',
      roles: ['PVEVMUser'],
      tokens: ['ops@pve!ci'],
      propagate: true,
    });
    expect((await a.access.createToken('ops@pve', 'ci', { privsep: true }))['full-tokenid']).toBe(
      'ops@pve!ci',
    );
    expect(Object.fromEntries(f.seen[2]!.body)).toEqual({ vms: '101,102', 'allow-move': '1' });
    expect(Object.fromEntries(f.seen[4]!.body)).toEqual({
      path: '/pool/acme',
      roles: 'PVEVMUser',
      tokens: 'ops@pve!ci',
      propagate: '1',
    });
    expect(f.seen.map(call)).toContain('PUT /access/acl');
  });

  it('GIVEN a UPID WHEN status and log are asked THEN the node of the UPID is used', async () => {
    const upid = 'UPID:pve2:0003A1F2:0157C0DE:6650A1B2:srvreload:networking:root@pam:';
    const { f, api: a } = await api((r) =>
      r.path.endsWith('/log')
        ? { json: { data: [{ n: 1, t: 'TASK OK' }], total: 1 } }
        : { json: { data: { status: 'stopped', exitstatus: 'OK', starttime: 1716560306 } } },
    );
    expect((await a.taskStatus(upid)).exitstatus).toBe('OK');
    expect(await a.taskLog(upid, { limit: 10 })).toEqual([{ n: 1, t: 'TASK OK' }]);
    expect(f.seen[0]!.path).toBe(`/nodes/pve2/tasks/${encodeURIComponent(upid)}/status`);
    expect(f.seen[1]!.query.get('limit')).toBe('10');
  });
});
