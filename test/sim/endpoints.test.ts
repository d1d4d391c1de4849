import { describe, expect, it } from 'vitest';
import { emulatorWithCaller } from './emulator-call.ts';

const setup = emulatorWithCaller;

describe('emulated firewall', () => {
  it('GIVEN VM firewall rules WHEN added, read and changed with digests THEN positions and digests behave like Proxmox', () => {
    const { call } = setup();
    call('POST', '/nodes/pve1/qemu/9002/firewall/rules', {
      type: 'in',
      action: 'ACCEPT',
      source: '10.30.0.10',
      dport: '19812:19815',
      proto: 'tcp',
      enable: 1,
    });
    call('POST', '/nodes/pve1/qemu/9002/firewall/rules', {
      type: 'in',
      action: 'ACCEPT',
      source: '10.20.0.2',
      dport: '22',
      proto: 'tcp',
      enable: 1,
      pos: 1,
    });
    const rules = call('GET', '/nodes/pve1/qemu/9002/firewall/rules') as Array<Record<string, unknown>>;
    expect(rules.map((r) => [r.pos, r.source, r.enable])).toEqual([
      [0, '10.30.0.10', 1],
      [1, '10.20.0.2', 1],
    ]);
    expect(new Set(rules.map((r) => r.digest)).size).toBe(1);
    expect(() =>
      call('DELETE', '/nodes/pve1/qemu/9002/firewall/rules/0', { digest: 'f'.repeat(40) }),
    ).toThrow('detected modified configuration');
    call('DELETE', '/nodes/pve1/qemu/9002/firewall/rules/0', { digest: String(rules[0]!.digest) });
    expect((call('GET', '/nodes/pve1/qemu/9002/firewall/rules') as unknown[]).length).toBe(1);
    call('PUT', '/nodes/pve1/qemu/9002/firewall/options', { enable: 1, policy_in: 'DROP' });
    expect(call('GET', '/nodes/pve1/qemu/9002/firewall/options')).toMatchObject({
      enable: 1,
      policy_in: 'DROP',
    });
    expect(() => call('PUT', '/nodes/pve1/qemu/9002/firewall/options', { policy_in: 'MAYBE' })).toThrow(
      /policy_in/,
    );
  });

  it('GIVEN ipsets and aliases WHEN created THEN they list back and duplicates are refused', () => {
    const { call } = setup();
    call('POST', '/cluster/firewall/ipset', { name: 'vpn-clients', comment: 'tunnel' });
    call('POST', '/cluster/firewall/ipset/vpn-clients', { cidr: '10.8.0.0/20' });
    expect(call('GET', '/cluster/firewall/ipset/vpn-clients')).toMatchObject([{ cidr: '10.8.0.0/20' }]);
    expect(() => call('POST', '/cluster/firewall/ipset/vpn-clients', { cidr: '10.8.0.0/20' })).toThrow(
      'already exists',
    );
    call('POST', '/cluster/firewall/aliases', { name: 'rds', cidr: '10.30.0.10' });
    expect(call('GET', '/cluster/firewall/aliases')).toMatchObject([{ name: 'rds', cidr: '10.30.0.10' }]);
  });
});

describe('emulated datacenter objects', () => {
  it('GIVEN pools WHEN VMs are added and moved THEN membership follows and resources show the pool', () => {
    const { call } = setup();
    call('POST', '/pools', { poolid: 'customer-acme', comment: 'acme' });
    call('POST', '/pools', { poolid: 'customer-globex' });
    call('PUT', '/pools/customer-acme', { vms: '9002' });
    expect(() => call('PUT', '/pools/customer-globex', { vms: '9002' })).toThrow(
      "VM 9002 belongs already to pool 'customer-acme'",
    );
    call('PUT', '/pools/customer-globex', { vms: '9002', 'allow-move': 1 });
    const vm = (call('GET', '/cluster/resources', { type: 'vm' }) as Array<Record<string, unknown>>).find(
      (r) => r.vmid === 9002,
    );
    expect(vm?.pool).toBe('customer-globex');
    expect(() => call('DELETE', '/pools/customer-globex')).toThrow('pool is not empty');
  });

  it('GIVEN a backup job and an HA resource WHEN created and updated THEN they read back', () => {
    const { call } = setup();
    call('POST', '/cluster/backup', {
      id: 'pvecdk-acme-main',
      schedule: '*-*-* 02:30',
      storage: 'nfs-backup',
      vmid: '9002',
      mode: 'snapshot',
      'prune-backups': 'keep-daily=7,keep-weekly=4',
    });
    call('PUT', '/cluster/backup/pvecdk-acme-main', { schedule: '*-*-* 03:00' });
    expect(call('GET', '/cluster/backup/pvecdk-acme-main')).toMatchObject({
      schedule: '*-*-* 03:00',
      storage: 'nfs-backup',
      // Proxmox answers property strings parsed (pve-guest-common VZDump::JobBase decode_value).
      'prune-backups': { 'keep-daily': '7', 'keep-weekly': '4' },
    });
    call('POST', '/cluster/ha/resources', { sid: 'vm:9002', state: 'started', max_restart: 2 });
    expect(call('GET', '/cluster/ha/resources')).toMatchObject([
      { sid: 'vm:9002', state: 'started', max_restart: 2 },
    ]);
    expect(() => call('POST', '/cluster/ha/resources', { sid: 'vm:4242' })).toThrow(
      "qemu-server/4242.conf' does not exist",
    );
  });

  it('GIVEN a user, a token and an ACL WHEN created THEN the secret is returned once and the token can call', () => {
    const { emulator, call } = setup();
    call('POST', '/access/users', { userid: 'deploy@pve', comment: 'pvecdk' });
    const token = call('POST', '/access/users/deploy@pve/token/ci', { privsep: 1 }) as {
      'full-tokenid': string;
      value: string;
    };
    expect(token['full-tokenid']).toBe('deploy@pve!ci');
    expect(call('GET', '/access/users/deploy@pve/token')).toEqual([{ tokenid: 'ci', privsep: 1, expire: 0 }]);
    call('POST', '/access/roles', { roleid: 'PvecdkDeploy', privs: 'VM.Audit,VM.Allocate,VM.Clone' });
    call('PUT', '/access/acl', { path: '/', roles: 'PvecdkDeploy', users: 'deploy@pve' });
    call('PUT', '/access/acl', { path: '/', roles: 'PvecdkDeploy', tokens: 'deploy@pve!ci' });
    const res = emulator.handle({
      method: 'GET',
      url: '/api2/json/cluster/resources?type=vm',
      headers: { authorization: `PVEAPIToken=deploy@pve!ci=${token.value}` },
      body: '',
    });
    expect(res.status).toBe(200);
    expect(() => call('POST', '/access/roles', { roleid: 'Bad', privs: 'VM.GuestAgent.Audit' })).toThrow(
      "invalid privilege 'VM.GuestAgent.Audit'",
    );
  });
});

describe('emulated guest agent, resize and migrate', () => {
  it("GIVEN a stopped VM WHEN the agent is asked THEN Proxmox's errors; resize is a task that grows only; migrate moves the VM", async () => {
    const { emulator, call } = setup();
    expect(() => call('POST', '/nodes/pve1/qemu/9002/agent/ping')).toThrow('VM 9002 is not running');
    expect(() => call('POST', '/nodes/pve1/qemu/9000/agent/ping')).toThrow('No QEMU guest agent configured');
    const grow = call('PUT', '/nodes/pve1/qemu/9002/resize', { disk: 'scsi0', size: '+8G' });
    expect(grow).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:resize:9002:root@pam!pvecdk:$/);
    const shrink = call('PUT', '/nodes/pve1/qemu/9002/resize', { disk: 'scsi0', size: '4G' });
    await new Promise((r) => setTimeout(r, 10)); // both tasks finish
    expect(emulator.state.vms[9002]!.config.scsi0).toBe('local-lvm:base-9002-disk-0,size=16G');
    expect(emulator.tasks.get(String(grow))).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(emulator.tasks.get(String(shrink))).toMatchObject({
      status: 'stopped',
      exitstatus: 'shrinking disks is not supported',
    });
    expect(typeof call('POST', '/nodes/pve1/qemu/9002/migrate', { target: 'pve2' })).toBe('string');
  });
});

describe('pending changes on a running VM', () => {
  it('GIVEN a running VM WHEN cores change THEN they wait in pending until a reboot, while the name applies at once', async () => {
    const { emulator, call } = setup();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 120 });
    await new Promise((r) => setTimeout(r, 10)); // the clone task finishes
    const vm = emulator.state.vms[120]!;
    vm.status = 'running';
    call('PUT', '/nodes/pve1/qemu/120/config', { cores: 6, name: 'renamed' });
    // The schema: `current` means "get current values (instead of pending values)".
    expect(call('GET', '/nodes/pve1/qemu/120/config')).toMatchObject({ cores: 6, name: 'renamed' });
    expect(call('GET', '/nodes/pve1/qemu/120/config', { current: 1 })).toMatchObject({
      cores: 2,
      name: 'renamed',
    });
    expect(
      (call('GET', '/nodes/pve1/qemu/120/pending') as Array<Record<string, unknown>>).find(
        (e) => e.key === 'cores',
      ),
    ).toEqual({
      key: 'cores',
      value: 2,
      pending: 6,
    });
    call('POST', '/nodes/pve1/qemu/120/status/reboot');
    await new Promise((r) => setTimeout(r, 10));
    expect(vm.config.cores).toBe(6);
    expect(vm.pending).toBeUndefined();
  });
});
