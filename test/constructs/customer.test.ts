import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { Match, Template } from '../../lib/assertions/index.ts';
import { Customer } from '../../lib/constructs/index.ts';
import { Annotations } from '../../lib/core/index.ts';
import { testPlatform } from './fixtures.ts';

function twoCustomers() {
  const { app, platform } = testPlatform();
  const acme = new Customer(platform, 'acme', {
    number: 1,
    servers: [{ name: 'acme-main', cores: 4, memoryMiB: 8192 }],
    users: [
      { name: 'acme.alice', vpn: true, servers: ['acme-main'] },
      { name: 'acme.bob', vpn: true, servers: ['acme-main'] },
    ],
  });
  const globex = new Customer(platform, 'globex', {
    number: 2,
    servers: [{ name: 'globex-main', highAvailability: true }],
    users: [{ name: 'globex.carol', vpn: true, servers: ['globex-main', 'acme-main'] }],
  });
  return { app, platform, acme, globex };
}

describe('Customer', () => {
  it('GIVEN a customer WHEN synthesized THEN its stack holds pool, DB VM, firewall, backup and per-user VPN and RDS accounts', () => {
    const { acme } = twoCustomers();
    const template = Template.fromStack(acme);
    expect(template.toJSON().dependsOn).toEqual(['platform']);
    template.resourceCountIs('proxmox_virtual_environment_pool', 1);
    template.resourceCountIs('proxmox_virtual_environment_vm', 1);
    template.resourceCountIs('pvecdk_vpn_user', 2);
    template.resourceCountIs('pvecdk_rds_user', 2);
    template.resourceCountIs('pvecdk_rds_shortcut', 2);
    template.resourceCountIs('proxmox_backup_job', 1);
    template.resourceCountIs('proxmox_virtual_environment_haresource', 0);
    template.hasResourceProperties('proxmox_virtual_environment_vm', {
      name: 'acme-main',
      vm_id: Match.anyValue(),
      clone: { vm_id: 9001 },
      cpu: { cores: 4 },
      network_device: [{ bridge: 'vmbr1', firewall: true }],
      disk: [{ interface: 'scsi1', size: 100 }],
      pool_id: Match.objectLike({ attr: 'pool_id' }),
      tags: Match.arrayWith(['customer-acme', 'pvecdk', 'pvecdk-acme']),
    });
    const vmId = Object.values(template.findResources('proxmox_virtual_environment_vm'))[0]!.properties
      .vm_id as number;
    expect(vmId).toBeGreaterThanOrEqual(1001);
    expect(vmId).toBeLessThan(1100);
    template.hasResourceProperties('proxmox_backup_job', {
      vmid: [String(vmId)],
      mode: 'snapshot',
      prune_backups: { 'keep-daily': '7' },
    });
  });

  it('GIVEN the DB VM firewall WHEN synthesized THEN only the RDS host reaches the 4D ports, plus management', () => {
    const { acme, platform } = twoCustomers();
    const template = Template.fromStack(acme);
    template.hasResourceProperties('proxmox_virtual_environment_firewall_rules', {
      rule: [
        { type: 'in', action: 'ACCEPT', source: platform.rds.address, dport: '19812:19815', proto: 'tcp' },
        { source: '10.20.0.2', dport: '22,3389,5985' },
        { source: '10.20.0.2', proto: 'icmp' },
      ],
    });
    template.hasResourceProperties('proxmox_virtual_environment_firewall_options', {
      enabled: true,
      input_policy: 'DROP',
    });
  });

  it('GIVEN a user of two customers WHEN synthesized THEN they get two shortcuts, one per server, each linking its server', () => {
    const { globex, acme } = twoCustomers();
    const template = Template.fromStack(globex);
    const shortcuts = Object.values(
      template.findResources('pvecdk_rds_shortcut', { user_name: 'globex.carol' }),
    );
    expect(shortcuts.map((s) => s.properties.server_name).sort()).toEqual(['acme-main', 'globex-main']);
    const acmeAddress = acme.servers[0]!.address;
    const link = shortcuts.find((s) => s.properties.server_name === 'acme-main')!.properties
      .link_content as string;
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(link);
    expect(parsed.database_shortcut.server_path).toBe(`${acmeAddress}:19813`);
    template.hasResourceProperties('proxmox_virtual_environment_haresource', { state: 'started' });
  });

  it('GIVEN customers WHEN synthesized THEN addresses sit in their LAN slice and VPN addresses in the tunnel', () => {
    const { acme, globex } = twoCustomers();
    expect(acme.servers[0]!.address).toMatch(/^10\.20\.1\.\d+$/);
    expect(globex.servers[0]!.address).toMatch(/^10\.20\.2\.\d+$/);
    const vpnUsers = Object.values(Template.fromStack(acme).findResources('pvecdk_vpn_user'));
    for (const u of vpnUsers) expect(u.properties.tunnel_address).toMatch(/^10\.8\.\d+\.\d+$/);
    expect(new Set(vpnUsers.map((u) => u.properties.tunnel_address)).size).toBe(2);
  });

  it('GIVEN a user without VPN WHEN synthesized THEN policy PVECDK-RDS-VIA-VPN fails synth naming the user', () => {
    const { app, platform } = testPlatform();
    new Customer(platform, 'initech', {
      number: 3,
      servers: [{ name: 'initech-main' }],
      users: [{ name: 'initech.peter', vpn: false, servers: ['initech-main'] }],
    });
    expect(() => app.synth({ write: false })).toThrow(
      /\[initech\/initech\.peter\/RdsUser\] RDS user initech\.peter has no VPN access, so they could only log on if RDP were open \(PVECDK-RDS-VIA-VPN\)/,
    );
  });

  it('GIVEN a port forward of RDP added to the router WHEN synthesized THEN PVECDK-NO-WAN-RDP fails, unless acknowledged', () => {
    const { app, platform } = testPlatform();
    platform.router.addPortForward({
      protocol: 'tcp',
      externalPort: '3389',
      target: platform.rds.address,
      targetPort: '3389',
      description: 'direct rdp',
    });
    expect(() => app.synth({ write: false })).toThrow(
      /\[platform\/Router\/Config\] port forward 'direct rdp' on wan exposes RDP \(3389\) to the Internet \(PVECDK-NO-WAN-RDP\)/,
    );
    // Findings stay on a tree once reported: accept the exception on a fresh platform.
    const second = testPlatform();
    second.platform.router.addPortForward({
      protocol: 'tcp',
      externalPort: '3389',
      target: second.platform.rds.address,
      targetPort: '3389',
      description: 'direct rdp',
    });
    Annotations.of(second.platform.router).acknowledge(
      'PVECDK-NO-WAN-RDP',
      'temporary migration window, ticket OPS-1234',
    );
    expect(second.app.synth({ write: false }).plans.get('platform')!.acknowledgements).toEqual([
      {
        rule: 'PVECDK-NO-WAN-RDP',
        path: 'platform/Router',
        reason: 'temporary migration window, ticket OPS-1234',
      },
    ]);
  });

  it('GIVEN a user of an unknown server WHEN created THEN the error names the user, the server and the known ones', () => {
    const { platform } = testPlatform();
    expect(
      () =>
        new Customer(platform, 'acme', {
          number: 1,
          servers: [{ name: 'acme-main' }],
          users: [{ name: 'acme.alice', vpn: true, servers: ['globex-main'] }],
        }),
    ).toThrow(
      expect.objectContaining({
        code: 'SYNTH_UNKNOWN_NAME',
        constructPath: 'acme/acme.alice',
        message:
          'acme/acme.alice: user acme.alice may use server globex-main, which no loaded customer defines (known: acme-main)',
        hint: expect.stringContaining('import the stack file of the customer that defines globex-main'),
      }),
    );
  });

  it('GIVEN two servers pinned to one address WHEN synthesized THEN both are named in the collision', () => {
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', {
      number: 1,
      servers: [{ name: 'acme-main', address: '10.20.1.50' }],
      users: [],
    });
    new Customer(platform, 'globex', {
      number: 2,
      servers: [{ name: 'globex-main', address: '10.20.1.50' }],
      users: [],
    });
    expect(() => app.synth({ write: false })).toThrow(
      /\[acme\/acme-main\] ipv4_address 10\.20\.1\.50 is also claimed by globex\/globex-main \(PVECDK-IDENTITY-COLLISION\)/,
    );
  });

  it('GIVEN invalid customer props WHEN created THEN every field problem is listed with the path', () => {
    const { platform } = testPlatform();
    expect(
      () =>
        new Customer(platform, 'acme', {
          number: 0,
          servers: [{ name: 'Acme Main' }, { name: 'Acme Main' }],
          users: [{ name: 'a-very-long-user-name-here', vpn: true, servers: [] }],
        }),
    ).toThrow(
      expect.objectContaining({
        code: 'SYNTH_INVALID_PROPS',
        constructPath: 'acme',
        message: expect.stringMatching(
          /^acme: invalid Customer props:\n {2}number: [^\n]+\n {2}servers\.0\.name: a lower-case DNS label[\s\S]*users\.0\.name: [\s\S]*users\.0\.servers: a user needs at least one server/,
        ),
      }),
    );
  });
});

describe('Customer with WireGuard and Windows guests', () => {
  it('GIVEN a WireGuard platform WHEN a customer is added THEN users get peers and wg-quick profiles routed to the RDS host only', () => {
    const { platform } = testPlatform({
      vpn: { kind: 'wireguard', endpoint: 'vpn.example.com', tunnelNetwork: '10.9.0.0/24' },
    });
    const acme = new Customer(platform, 'acme', {
      number: 1,
      servers: [{ name: 'acme-main' }],
      users: [{ name: 'acme.alice', vpn: true, servers: ['acme-main'] }],
    });
    const template = Template.fromStack(acme);
    const user = Object.values(template.findResources('pvecdk_vpn_user'))[0]!;
    expect(user.properties).toMatchObject({ kind: 'wireguard', profile_file_name: 'acme.alice.conf' });
    expect(user.properties.profile).toContain(`AllowedIPs = ${platform.rds.address}/32`);
    expect(user.properties.router_entry).toContain('<tun>tun_wg0</tun>');
    const config = Object.values(Template.fromStack(platform).findResources('pvecdk_pfsense_config'))[0]!;
    expect(Object.keys(config.properties.sections as object)).toContain('wireguard');
    expect((config.properties.rules as Array<{ interface: string }>).map((r) => r.interface)).toEqual([
      'wan',
      'wireguard',
      'opt1',
    ]);
  });

  it('GIVEN a Windows DB VM WHEN synthesized THEN a guest command converges Windows Firewall to the RDS host only, with a check that makes a re-run a no-op', () => {
    const { acme, platform } = twoCustomers();
    const template = Template.fromStack(acme);
    template.hasResource('pvecdk_guest_command', { critical: true, snapshotRetention: 5 });
    template.hasResourceProperties('pvecdk_guest_command', {
      target: { dialect: 'powershell', host: acme.servers[0]!.address },
      command: Match.stringLikeRegexp(`"from":\\["${platform.rds.address.replace(/\./g, '\\.')}"\\]`),
      // A re-run only checks: the check exits 0 when the rule is already as wanted.
      check: Match.stringLikeRegexp('^# pvecdk db-firewall: check\n'),
    });
  });
});

describe('zero is not "default"', () => {
  it('GIVEN a server with 0 cores and a 0 GiB data disk WHEN built THEN both are refused with their limits, not replaced by the defaults', () => {
    const { platform } = testPlatform();
    let error: unknown;
    try {
      new Customer(platform, 'zeros', {
        number: 7,
        servers: [{ name: 'zeros-main', cores: 0, dataDiskGb: 0 }],
        users: [],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'SYNTH_INVALID_PROPS' });
    expect((error as Error).message).toMatch(/servers\.0\.cores: .*>=1/);
    expect((error as Error).message).toMatch(/servers\.0\.dataDiskGb: .*>=1/);
  });
});
