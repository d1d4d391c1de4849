import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  Annotations,
  App,
  AspectPriority,
  Aspects,
  Resource,
  Roles,
  SecretValue,
  Stack,
  ValidationError,
} from '../../lib/core/index.ts';
import { PlatformPolicies } from '../../lib/policy/index.ts';

function setup() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-policy-')) });
  Aspects.of(app).add(new PlatformPolicies(), { priority: AspectPriority.READONLY });
  const stack = new Stack(app, 'platform');
  const issues = (): ValidationError['issues'] => {
    try {
      app.synth({ write: false });
      return [];
    } catch (e) {
      // Policy tests build partial resources: only what the policies found counts here.
      if (e instanceof ValidationError) return e.issues.filter((i) => i.rule?.startsWith('PVECDK-'));
      throw e;
    }
  };
  return { app, stack, issues };
}

const pfsense = (scope: Construct, props: Record<string, unknown>) => {
  const target = {
    vmId: 100,
    nodeName: 'pve1',
    host: '10.0.0.1',
    username: 'admin',
    dialect: 'pfsense',
    privateKey: SecretValue.generated('ssh/guest_ed25519'),
  };
  const r = new Resource(scope, 'Config', {
    type: 'pvecdk_pfsense_config',
    properties: { target, sections: { filter: '<filter/>' }, ...props },
  });
  r.markCritical({ snapshotRetention: 3 });
  return r;
};

describe('PVECDK-NO-WAN-RDP', () => {
  it('GIVEN a port forward of 3389 WHEN synthesized THEN synth fails naming the forward and the router path', () => {
    const { stack, issues } = setup();
    pfsense(new Construct(stack, 'Router'), {
      portForwards: [
        {
          interface: 'wan',
          protocol: 'tcp',
          externalPort: '33890',
          targetPort: '3389',
          target: '10.30.0.10',
          description: 'rdp',
        },
      ],
    });
    expect(issues()).toEqual([
      expect.objectContaining({
        path: 'platform/Router/Config',
        rule: 'PVECDK-NO-WAN-RDP',
        message: "port forward 'rdp' on wan exposes RDP (3389) to the Internet",
      }),
    ]);
  });

  it('GIVEN a WAN pass rule to a port range covering 3389 WHEN synthesized THEN synth fails', () => {
    const { stack, issues } = setup();
    pfsense(stack, {
      rules: [
        {
          interface: 'wan',
          type: 'pass',
          protocol: 'tcp',
          source: 'any',
          destination: 'any',
          destinationPort: '3000-4000',
          description: 'apps',
        },
        {
          interface: 'wan',
          type: 'pass',
          protocol: 'udp',
          source: 'any',
          destination: 'wan',
          destinationPort: '1194',
          description: 'vpn',
        },
      ],
    });
    const found = issues();
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toBe(
      "WAN rule 'apps' passes traffic to port 3389 (destination port 3000-4000)",
    );
  });

  it('GIVEN an acknowledgement with a reason WHEN synthesized THEN the finding is accepted and the reason is in the plan', () => {
    const { app, stack } = setup();
    const router = new Construct(stack, 'Router');
    pfsense(router, {
      portForwards: [
        {
          interface: 'wan',
          protocol: 'tcp',
          externalPort: '3389',
          targetPort: '3389',
          target: '10.30.0.10',
          description: 'lab',
        },
      ],
    });
    Annotations.of(router).acknowledge(
      'PVECDK-NO-WAN-RDP',
      'isolated lab without customer data, removed after tests',
    );
    expect(app.synth({ write: false }).plans.get('platform')!.acknowledgements).toEqual([
      {
        rule: 'PVECDK-NO-WAN-RDP',
        path: 'platform/Router',
        reason: 'isolated lab without customer data, removed after tests',
      },
    ]);
  });
});

describe('PVECDK-ISOLATED-BRIDGES', () => {
  it('GIVEN a LAN bridge with a physical port WHEN synthesized THEN synth fails naming the bridge and port', () => {
    const { stack, issues } = setup();
    const lan = new Construct(stack, 'Lan');
    Roles.set(lan, 'lan-bridge');
    new Resource(lan, 'Bridge', {
      type: 'proxmox_virtual_environment_network_linux_bridge',
      properties: { name: 'vmbr1', ports: ['eno2'] },
    });
    const wan = new Construct(stack, 'Wan');
    Roles.set(wan, 'wan-bridge');
    new Resource(wan, 'Bridge', {
      type: 'proxmox_virtual_environment_network_linux_bridge',
      properties: { name: 'vmbr0', ports: ['eno1'] },
    });
    expect(issues()).toEqual([
      expect.objectContaining({
        path: 'platform/Lan/Bridge',
        message: 'LAN bridge vmbr1 is bridged to eno2',
      }),
    ]);
  });
});

describe('PVECDK-RDS-VIA-VPN', () => {
  it('GIVEN an RDS user without VPN and an RDS firewall open to the world WHEN synthesized THEN both are reported', () => {
    const { stack, issues } = setup();
    new Resource(stack, 'Alice', { type: 'pvecdk_rds_user', properties: { userName: 'acme.alice' } });
    new Resource(stack, 'AliceVpn', {
      type: 'pvecdk_vpn_user',
      properties: { userName: 'acme.alice' },
    }).markCritical();
    new Resource(stack, 'Bob', { type: 'pvecdk_rds_user', properties: { userName: 'acme.bob' } });
    const rds = new Construct(stack, 'Rds');
    Roles.set(rds, 'rds-host', { vpnNetwork: '10.8.0.0/20' });
    new Resource(rds, 'Firewall', {
      type: 'proxmox_virtual_environment_firewall_rules',
      properties: {
        rule: [
          { type: 'in', action: 'ACCEPT', source: '10.8.0.0/20', dport: '3389', comment: 'vpn' },
          { type: 'in', action: 'ACCEPT', dport: '3389', comment: 'everyone' },
        ],
      },
    });
    const viaVpn = issues().filter((i) => i.rule === 'PVECDK-RDS-VIA-VPN');
    expect(viaVpn.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'platform/Bob: RDS user acme.bob has no VPN access, so they could only log on if RDP were open',
      "platform/Rds/Firewall: RDS host firewall rule 'everyone' admits RDP from anywhere, outside the VPN tunnel network 10.8.0.0/20",
    ]);
  });
});

describe('PVECDK-DB-ISOLATION', () => {
  function db(
    stack: Stack,
    customer: string,
    address: string,
    rules: unknown[],
    options: Record<string, unknown>,
  ) {
    const scope = new Construct(stack, customer);
    Roles.set(scope, 'customer-db', {
      customer,
      address,
      rdsAddress: '10.30.0.10',
      vpnNetwork: '10.8.0.0/20',
      managementSource: '10.20.0.2',
    });
    new Resource(scope, 'Vm', {
      type: 'proxmox_virtual_environment_vm',
      properties: { networkDevice: [{ bridge: 'vmbr1', firewall: customer !== 'globex' }] },
    });
    new Resource(scope, 'Rules', {
      type: 'proxmox_virtual_environment_firewall_rules',
      properties: { rule: rules },
    });
    new Resource(scope, 'Options', {
      type: 'proxmox_virtual_environment_firewall_options',
      properties: options,
    });
  }

  it('GIVEN DB firewalls admitting VPN clients, another customer and no NIC firewall WHEN synthesized THEN each is named', () => {
    const { stack, issues } = setup();
    db(
      stack,
      'acme',
      '10.20.1.20',
      [
        { type: 'in', action: 'ACCEPT', source: '10.30.0.10', dport: '19812:19815', comment: '4d from rds' },
        { type: 'in', action: 'ACCEPT', source: '10.8.0.0/24', dport: '19813', comment: 'vpn shortcut' },
        { type: 'in', action: 'ACCEPT', source: '10.20.2.30', dport: '19813', comment: 'sync' },
      ],
      { enabled: true, inputPolicy: 'DROP' },
    );
    db(stack, 'globex', '10.20.2.30', [], { enabled: true, inputPolicy: 'ACCEPT' });
    expect(issues().map((i) => `${i.path}: ${i.message}`)).toEqual([
      "platform/acme/Rules: DB firewall rule 'vpn shortcut' of customer acme admits VPN clients (10.8.0.0/24) directly",
      "platform/acme/Rules: DB firewall rule 'sync' of customer acme admits customer globex's VM (10.20.2.30)",
      "platform/globex/Options: the VM firewall of customer globex's DB VM is not enforcing (enabled must be true, input_policy DROP)",
      "platform/globex/Vm: network device 0 (vmbr1) of customer globex's DB VM bypasses the VM firewall",
    ]);
  });
});

describe('PVECDK-SECRETS-BY-REFERENCE', () => {
  it('GIVEN a literal password set through an override WHEN synthesized THEN synth fails without printing it', () => {
    const { stack, issues } = setup();
    const vm = new Resource(stack, 'Vm', {
      type: 'proxmox_virtual_environment_vm',
      properties: { initialization: { userAccount: { username: 'admin', password: SecretValue.env('PW') } } },
    });
    vm.addPropertyOverride('initialization.user_account.password', 'Winter2026!');
    const found = issues();
    expect(found.map((i) => i.message)).toEqual([
      'proxmox_virtual_environment_vm property initialization.user_account.password holds a literal secret',
    ]);
    expect(JSON.stringify(found)).not.toContain('Winter2026!');
  });
});

describe('PVECDK-CRITICAL-SNAPSHOT', () => {
  it('GIVEN a router config or a change on the router without snapshot protection WHEN synthesized THEN synth fails', () => {
    const { stack, issues } = setup();
    new Resource(stack, 'Config', { type: 'pvecdk_pfsense_config', properties: {} });
    const router = new Construct(stack, 'Router');
    Roles.set(router, 'router');
    new Resource(router, 'Script', { type: 'pvecdk_guest_command', properties: {} });
    expect(issues().map((i) => `${i.path}: ${i.message}`)).toEqual([
      'platform/Config: pvecdk_pfsense_config changes the platform without a snapshot to roll back to',
      'platform/Router/Script: pvecdk_guest_command changes the router without a snapshot to roll back to',
    ]);
  });
});
