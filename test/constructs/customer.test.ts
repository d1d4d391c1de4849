import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { Match, Template } from '../../lib/assertions/index.ts';
import { Customer } from '../../lib/constructs/index.ts';
import { Annotations } from '../../lib/core/index.ts';
import { synthIssues, testPlatform } from './fixtures.ts';

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
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', {
      number: 1,
      servers: [{ name: 'acme-main' }],
      users: [{ name: 'acme.alice', vpn: true, servers: ['globex-main'] }],
    });
    expect(synthIssues(app)).toEqual([
      expect.objectContaining({
        code: 'SYNTH_UNKNOWN_NAME',
        path: 'acme',
        construct: 'Customer acme',
        message:
          "users[0] (acme.alice).servers[0] = 'globex-main': no loaded customer defines this server (known: acme-main)",
        hint: expect.stringContaining('import the stack file of the customer that defines globex-main'),
      }),
    ]);
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

  it('GIVEN invalid customer props WHEN synthesized THEN every field problem is its own issue, with the value given', () => {
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', {
      number: 0,
      servers: [{ name: 'Acme Main' }, { name: 'Acme Main' }],
      users: [{ name: 'a-very-long-user-name-here', vpn: true, servers: [] }],
    });
    const messages = synthIssues(app).map((i) => `${i.code} ${i.path} ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^SYNTH_INVALID_PROPS acme number = 0: /),
      "SYNTH_INVALID_PROPS acme servers[0].name = 'Acme Main': a lower-case DNS label such as acme-main",
      "SYNTH_INVALID_PROPS acme servers[1].name = 'Acme Main': a lower-case DNS label such as acme-main",
      "SYNTH_INVALID_PROPS acme users[0].name = 'a-very-long-user-name-here': lower-case letters, digits, . _ -, at most 20 characters",
      'SYNTH_INVALID_PROPS acme users[0].servers: a user needs at least one server',
      'SYNTH_INVALID_PROPS acme servers[1].name: Acme Main is listed twice',
    ]);
  });

  it('GIVEN a misspelt prop WHEN synthesized THEN the closest known prop is suggested', () => {
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', {
      number: 1,
      // @ts-expect-error: the misspelling a JavaScript user (or a cast) gets past the types
      servers: [{ name: 'acme-main', memoryMib: 8192, colour: 'red' }],
      users: [],
    });
    expect(synthIssues(app)).toEqual([
      expect.objectContaining({
        path: 'acme',
        code: 'SYNTH_INVALID_PROPS',
        message: 'servers[0].memoryMib: no such prop; did you mean memoryMiB?',
        hint: 'write memoryMiB',
      }),
      expect.objectContaining({
        message: expect.stringMatching(
          /^servers\[0\]\.colour: no such prop \(known: address, backup, cores, /,
        ),
      }),
    ]);
  });

  it('GIVEN two customers with mistakes and a user of a broken server WHEN synthesized THEN each customer is reported, and the user is not reported again', () => {
    const { app, platform } = testPlatform();
    new Customer(platform, 'acme', { number: 1, servers: [{ name: 'acme-main', cores: 0 }], users: [] });
    new Customer(platform, 'globex', {
      number: 2,
      servers: [{ name: 'globex-main', dataDiskGb: 0 }],
      users: [{ name: 'globex.carol', vpn: true, servers: ['acme-main'] }],
    });
    expect(synthIssues(app).map((i) => `${i.path}: ${i.message.split(':')[0]}`)).toEqual([
      'acme: servers[0].cores = 0',
      'globex: servers[0].dataDiskGb = 0',
    ]);
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
      command: Match.stringLikeRegexp(`from = @\\('${platform.rds.address.replace(/\./g, '\\.')}'\\)`),
      // A re-run only checks: the check exits 0 when the rule is already as wanted.
      check: Match.stringLikeRegexp('^# pvecdk db-firewall: check\n'),
    });
  });
});

describe('zero is not "default"', () => {
  it('GIVEN a server with 0 cores and a 0 GiB data disk WHEN built THEN both are refused with their limits, not replaced by the defaults', () => {
    const { app, platform } = testPlatform();
    new Customer(platform, 'zeros', {
      number: 7,
      servers: [{ name: 'zeros-main', cores: 0, dataDiskGb: 0 }],
      users: [],
    });
    const issues = synthIssues(app);
    expect(issues.map((i) => i.code)).toEqual(['SYNTH_INVALID_PROPS', 'SYNTH_INVALID_PROPS']);
    expect(issues[0]!.message).toMatch(/^servers\[0\]\.cores = 0: .*>=1/);
    expect(issues[1]!.message).toMatch(/^servers\[0\]\.dataDiskGb = 0: .*>=1/);
  });
});
