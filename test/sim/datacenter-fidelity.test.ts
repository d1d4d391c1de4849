import { describe, expect, it } from 'vitest';
import { emulatorWithCaller } from './emulator-call.ts';

/** Emulated node network, firewall, access and datacenter behaviours the every-key test relies on. */

describe('emulated node network', () => {
  it('GIVEN a node whose uplink has the default gateway and eno1 WHEN a bridge asks for either THEN Proxmox refuses it', () => {
    const { call } = emulatorWithCaller();
    expect(() =>
      call('POST', '/nodes/pve1/network', { iface: 'vmbr5', type: 'bridge', gateway: '192.0.2.1' }),
    ).toThrow(`"gateway":"Default gateway already exists on interface 'vmbr0'."`);
    expect(() =>
      call('POST', '/nodes/pve1/network', { iface: 'vmbr5', type: 'bridge', bridge_ports: 'eno1' }),
    ).toThrow(`"bridge_ports":"eno1 is already used on interface 'vmbr0'."`);
  });

  it('GIVEN a bridge with IPv6, MTU and VLAN ids WHEN listed THEN it keeps them, VLAN ids space-separated, with address, netmask and families', () => {
    const { call } = emulatorWithCaller();
    call('POST', '/nodes/pve1/network', {
      iface: 'vmbr5',
      type: 'bridge',
      cidr: '10.5.0.2/24',
      cidr6: 'fd00:5::2/64',
      gateway6: 'fd00:5::1',
      mtu: 1400,
      bridge_vlan_aware: 1,
      bridge_vids: '10,20-30',
    });
    expect(call('GET', '/nodes/pve1/network/vmbr5')).toMatchObject({
      address: '10.5.0.2',
      netmask: '24',
      address6: 'fd00:5::2',
      netmask6: 64,
      gateway6: 'fd00:5::1',
      mtu: 1400,
      bridge_vids: '10 20-30',
      families: ['inet', 'inet6'],
      method6: 'static',
    });
  });
});

describe('emulated firewall rules', () => {
  it("GIVEN a rule with a macro in another case WHEN added THEN Proxmox keeps the macro's own spelling; an unknown macro and a port without protocol are refused", () => {
    const { call } = emulatorWithCaller();
    call('POST', '/cluster/firewall/rules', { type: 'in', action: 'ACCEPT', macro: 'ssh' });
    expect(call('GET', '/cluster/firewall/rules/0')).toMatchObject({ macro: 'SSH' });
    expect(() =>
      call('POST', '/cluster/firewall/rules', { type: 'in', action: 'ACCEPT', macro: 'nope' }),
    ).toThrow("unknown macro 'nope'");
    expect(() =>
      call('POST', '/cluster/firewall/rules', { type: 'in', action: 'ACCEPT', dport: '22' }),
    ).toThrow("missing property - 'dport' requires this property");
  });
});

describe('emulated access control', () => {
  it('GIVEN a user in a group WHEN users are listed THEN the groups show only with full, and grants need the group to exist', () => {
    const { call } = emulatorWithCaller();
    call('POST', '/access/groups', { groupid: 'ops' });
    call('POST', '/access/users', {
      userid: 'kay@pve',
      groups: 'ops',
      email: 'kay@example.com',
      expire: 2_000_000_000,
    });
    const plain = call('GET', '/access/users') as Array<Record<string, unknown>>;
    const full = call('GET', '/access/users', { full: 1 }) as Array<Record<string, unknown>>;
    expect(plain.find((u) => u.userid === 'kay@pve')).toEqual({
      userid: 'kay@pve',
      enable: 1,
      email: 'kay@example.com',
      expire: 2_000_000_000,
    });
    expect(full.find((u) => u.userid === 'kay@pve')).toMatchObject({ groups: 'ops', tokens: [] });
    expect(() => call('PUT', '/access/acl', { path: '/', roles: 'PVEAuditor', groups: 'nobody' })).toThrow(
      "group 'nobody' does not exist",
    );
    call('PUT', '/access/acl', { path: '/', roles: 'PVEAuditor', groups: 'ops' });
    expect(call('GET', '/access/acl')).toEqual([
      { path: '/', ugid: 'ops', roleid: 'PVEAuditor', propagate: 1, type: 'group' },
    ]);
  });
});

describe('emulated backup jobs and HA', () => {
  it('GIVEN a job backing up every guest WHEN given VM ids THEN they replace the selection', () => {
    const { call } = emulatorWithCaller();
    call('POST', '/cluster/backup', { id: 'nightly', schedule: '02:00', storage: 'nfs-backup', all: 1 });
    call('PUT', '/cluster/backup/nightly', { vmid: '9002' });
    const job = call('GET', '/cluster/backup/nightly') as Record<string, unknown>;
    expect([job.vmid, job.all]).toEqual(['9002', undefined]);
  });

  it('GIVEN an HA resource WHEN put in a group that does not exist, or created with a type its id does not have THEN Proxmox refuses it', () => {
    const { call } = emulatorWithCaller();
    call('POST', '/cluster/ha/resources', { sid: 'vm:9002' });
    expect(() => call('PUT', '/cluster/ha/resources/vm:9002', { group: 'nowhere' })).toThrow(
      "HA group 'nowhere' does not exist",
    );
    expect(() => call('POST', '/cluster/ha/resources', { sid: 'vm:9001', type: 'ct' })).toThrow(
      'types does not match',
    );
    call('POST', '/cluster/ha/groups', { group: 'pair', nodes: 'pve1,pve2' });
    call('PUT', '/cluster/ha/resources/vm:9002', { group: 'pair' });
    expect(() => call('DELETE', '/cluster/ha/groups/pair')).toThrow("ha group is used by service 'vm:9002'");
  });
});
