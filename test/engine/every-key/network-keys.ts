import { expect } from 'vitest';
import { types } from '../../../lib/contract/index.ts';
import type { Live, TypeCoverage } from './coverage.ts';

/** Node networks and the firewall: bridges, rules, options, aliases and IP sets. */

const FILE = 'test/engine/every-key/network-keys.ts';
/** The VM whose firewall the VM-scoped resources change. */
const VM = 500;

export const bridgeCoverage: TypeCoverage = {
  contract: types.linuxBridgeType,
  file: FILE,
  base: { Bridge: { node_name: 'pve3', name: 'vmbr7' } },
  async setup(h) {
    // One default gateway per node: on pve3, the uplink leaves it to the bridge under test.
    await h.emulator.api.updateNetwork('pve3', 'vmbr0', { type: 'bridge', delete: 'gateway' });
    await h.emulator.api.applyNetwork('pve3');
  },
  async baseCheck(h) {
    expect(h.state.nodes.pve3!.network.vmbr7).toMatchObject({ type: 'bridge', autostart: 1, active: 1 });
  },
  keys: {
    node_name: { base: 'the node' },
    name: { base: 'the bridge' },
    address: {
      set: (p) => {
        p.address = '10.77.0.2/24';
      },
      expect: (live) => expect(live.cidr).toBe('10.77.0.2/24'),
    },
    gateway: {
      set: (p) => {
        p.gateway = '10.77.0.1';
      },
      expect: (live) => expect(live.gateway).toBe('10.77.0.1'),
    },
    address6: {
      set: (p) => {
        p.address6 = 'fd00:77::2/64';
      },
      expect: (live) => expect(live.cidr6).toBe('fd00:77::2/64'),
    },
    gateway6: {
      set: (p) => {
        p.gateway6 = 'fd00:77::1';
      },
      expect: (live) => expect(live.gateway6).toBe('fd00:77::1'),
    },
    autostart: {
      set: (p) => {
        p.autostart = false;
      },
      expect: (live) => expect(Number(live.autostart ?? 0)).toBe(0),
    },
    comment: {
      set: (p) => {
        p.comment = 'every key';
      },
      expect: (live) => expect(String(live.comments).trim()).toBe('every key'),
    },
    mtu: {
      set: (p) => {
        p.mtu = 1400;
      },
      expect: (live) => expect(Number(live.mtu)).toBe(1400),
    },
    ports: {
      set: (p) => {
        p.ports = ['eno2'];
      },
      expect: (live) => expect(live.bridge_ports).toBe('eno2'),
    },
    vlan_aware: {
      set: (p) => {
        p.vlan_aware = true;
      },
      expect: (live) => expect(Number(live.bridge_vlan_aware)).toBe(1),
    },
    vids: {
      set: (p) => {
        p.vids = '10 20-30';
      },
      expect: (live) => expect(live.bridge_vids).toBe('10 20-30'),
    },
  },
};

/** The VM the firewall resources are scoped to, and the security group a rule inserts. */
async function firewallFixtures(h: Parameters<NonNullable<TypeCoverage['setup']>>[0]): Promise<void> {
  await h.emulator.api.createQemu('pve1', { vmid: VM, name: 'keys-fw', net0: 'virtio,bridge=vmbr0' });
  await h.emulator.client.post('/cluster/firewall/groups', { group: 'keys-web' });
}

const rules = (live: Live) => live.rules as Array<Record<string, unknown>>;
const firstRule = (live: Live) => rules(live)[0]!;

export const firewallRulesCoverage: TypeCoverage = {
  contract: types.firewallRulesType,
  file: FILE,
  base: {
    Rules: {
      node_name: 'pve1',
      vm_id: VM,
      rule: [{ type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22' }],
    },
  },
  setup: firewallFixtures,
  async baseCheck(h) {
    expect(h.state.firewall?.[`vm/${VM}`]?.rules).toEqual([
      { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22', enable: 1 },
    ]);
  },
  keys: {
    node_name: { base: "the node of the VM whose firewall it is (the datacenter's without vm_id)" },
    vm_id: { base: 'the VM whose rules these are' },
    'rule[].type': {
      set: (p) => {
        p.rule[0].type = 'out';
      },
      expect: (live) => expect(firstRule(live).type).toBe('out'),
    },
    'rule[].action': {
      set: (p) => {
        p.rule[0].action = 'DROP';
      },
      expect: (live) => expect(firstRule(live).action).toBe('DROP'),
    },
    'rule[].source': {
      set: (p) => {
        p.rule[0].source = '10.0.0.0/8';
      },
      expect: (live) => expect(firstRule(live).source).toBe('10.0.0.0/8'),
    },
    'rule[].dest': {
      set: (p) => {
        p.rule[0].dest = '10.1.0.0/16';
      },
      expect: (live) => expect(firstRule(live).dest).toBe('10.1.0.0/16'),
    },
    'rule[].dport': {
      set: (p) => {
        p.rule[0].dport = '443,8443';
      },
      expect: (live) => expect(firstRule(live).dport).toBe('443,8443'),
    },
    'rule[].sport': {
      set: (p) => {
        p.rule[0].sport = '1024:65535';
      },
      expect: (live) => expect(firstRule(live).sport).toBe('1024:65535'),
    },
    'rule[].proto': {
      set: (p) => {
        p.rule[0].proto = 'udp';
      },
      expect: (live) => expect(firstRule(live).proto).toBe('udp'),
    },
    'rule[].iface': {
      set: (p) => {
        p.rule[0].iface = 'net0';
      },
      expect: (live) => expect(firstRule(live).iface).toBe('net0'),
    },
    'rule[].log': {
      set: (p) => {
        p.rule[0].log = 'info';
      },
      expect: (live) => expect(firstRule(live).log).toBe('info'),
    },
    'rule[].comment': {
      set: (p) => {
        p.rule[0].comment = 'every key';
      },
      expect: (live) => expect(firstRule(live).comment).toBe('every key'),
    },
    'rule[].enabled': {
      set: (p) => {
        p.rule[0].enabled = false;
      },
      expect: (live) => expect(Number(firstRule(live).enable)).toBe(0),
    },
    'rule[].macro': {
      set: (p) => {
        p.rule.push({ type: 'in', action: 'ACCEPT', macro: 'ssh' });
      },
      // Proxmox keeps a macro under its own spelling.
      expect: (live) => expect(rules(live)[1]).toMatchObject({ type: 'in', action: 'ACCEPT', macro: 'SSH' }),
    },
    'rule[].security_group': {
      set: (p) => {
        p.rule.push({ security_group: 'keys-web' });
      },
      expect: (live) => expect(rules(live)[2]).toMatchObject({ type: 'group', action: 'keys-web' }),
    },
  },
};

export const firewallOptionsCoverage: TypeCoverage = {
  contract: types.firewallOptionsType,
  file: FILE,
  base: { Options: { node_name: 'pve1', vm_id: VM } },
  setup: firewallFixtures,
  async baseCheck(h) {
    expect(await h.read('Options')).toMatchObject({ attributes: { level: 'vm', node: 'pve1', vmid: VM } });
  },
  refusalSetup: {
    container_id: (p) => {
      delete p.vm_id;
    },
  },
  keys: {
    node_name: { base: 'the node of the VM' },
    vm_id: { base: 'the VM whose firewall options these are' },
    enabled: {
      set: (p) => {
        p.enabled = true;
      },
      expect: (live) => expect(Number(live.enable)).toBe(1),
    },
    dhcp: {
      set: (p) => {
        p.dhcp = true;
      },
      expect: (live) => expect(Number(live.dhcp)).toBe(1),
    },
    ndp: {
      set: (p) => {
        p.ndp = true;
      },
      expect: (live) => expect(Number(live.ndp)).toBe(1),
    },
    radv: {
      set: (p) => {
        p.radv = true;
      },
      expect: (live) => expect(Number(live.radv)).toBe(1),
    },
    macfilter: {
      set: (p) => {
        p.macfilter = false;
      },
      expect: (live) => expect(Number(live.macfilter)).toBe(0),
    },
    ipfilter: {
      set: (p) => {
        p.ipfilter = true;
      },
      expect: (live) => expect(Number(live.ipfilter)).toBe(1),
    },
    input_policy: {
      set: (p) => {
        p.input_policy = 'REJECT';
      },
      expect: (live) => expect(live.policy_in).toBe('REJECT'),
    },
    output_policy: {
      set: (p) => {
        p.output_policy = 'DROP';
      },
      expect: (live) => expect(live.policy_out).toBe('DROP'),
    },
    log_level_in: {
      set: (p) => {
        p.log_level_in = 'warning';
      },
      expect: (live) => expect(live.log_level_in).toBe('warning'),
    },
    log_level_out: {
      set: (p) => {
        p.log_level_out = 'debug';
      },
      expect: (live) => expect(live.log_level_out).toBe('debug'),
    },
  },
};

export const firewallAliasCoverage: TypeCoverage = {
  contract: types.firewallAliasType,
  file: FILE,
  base: {
    Office: { name: 'keys-office', cidr: '198.51.100.0/24' },
    OnVm: { node_name: 'pve1', vm_id: VM, name: 'keys-vm', cidr: '10.0.0.1' },
  },
  setup: firewallFixtures,
  async baseCheck(h) {
    expect(h.state.firewall?.cluster?.aliases['keys-office']).toEqual({ cidr: '198.51.100.0/24' });
    expect(h.state.firewall?.[`vm/${VM}`]?.aliases['keys-vm']).toEqual({ cidr: '10.0.0.1' });
  },
  keys: {
    node_name: { base: "OnVm: the node of the VM whose alias it is (Office: the datacenter's)" },
    vm_id: { base: 'OnVm: the VM whose alias it is' },
    name: { base: 'the alias' },
    cidr: {
      set: (p) => {
        p.cidr = '198.51.100.0/25';
      },
      expect: (live) => expect(live.cidr).toBe('198.51.100.0/25'),
    },
    comment: {
      set: (p) => {
        p.comment = 'every key';
      },
      expect: (live) => expect(live.comment).toBe('every key'),
    },
  },
};

const entries = (live: Live) => live.entries as Array<{ cidr: string; comment: string; nomatch: boolean }>;

export const firewallIpsetCoverage: TypeCoverage = {
  contract: types.firewallIpsetType,
  file: FILE,
  base: {
    Admins: { name: 'keys-admins' },
    OnVm: { node_name: 'pve1', vm_id: VM, name: 'keys-vm' },
  },
  setup: firewallFixtures,
  async baseCheck(h) {
    expect(h.state.firewall?.cluster?.ipsets['keys-admins']).toEqual({ entries: [] });
    expect(h.state.firewall?.[`vm/${VM}`]?.ipsets['keys-vm']).toEqual({ entries: [] });
  },
  keys: {
    node_name: { base: "OnVm: the node of the VM whose set it is (Admins: the datacenter's)" },
    vm_id: { base: 'OnVm: the VM whose set it is' },
    name: { base: 'the set' },
    comment: {
      set: (p) => {
        p.comment = 'every key';
      },
      expect: (live) => expect(live.comment).toBe('every key'),
    },
    'cidr[].name': {
      set: (p) => {
        p.cidr = [{ name: '198.51.100.10' }];
      },
      expect: (live) =>
        expect(entries(live)).toEqual([{ cidr: '198.51.100.10', comment: '', nomatch: false }]),
    },
    'cidr[].comment': {
      set: (p) => {
        p.cidr[0].comment = 'admin desk';
      },
      expect: (live) =>
        expect(entries(live)).toEqual([{ cidr: '198.51.100.10', comment: 'admin desk', nomatch: false }]),
    },
    'cidr[].nomatch': {
      set: (p) => {
        p.cidr[0].nomatch = true;
      },
      expect: (live) =>
        expect(entries(live)).toEqual([{ cidr: '198.51.100.10', comment: 'admin desk', nomatch: true }]),
    },
  },
};
