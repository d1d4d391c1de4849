import { describe, expect, it } from 'vitest';
import { Template } from '../../lib/assertions/index.ts';
import { Customer } from '../../lib/constructs/index.ts';
import { lanExcept } from '../../lib/constructs/private/rds-fence.ts';
import { Annotations, type App } from '../../lib/core/index.ts';
import { RdsUser } from '../../lib/resources/index.ts';
import { testPlatform } from './fixtures.ts';

function twoCustomers() {
  const { app, platform } = testPlatform({ lan: { cidr: '10.20.0.0/22' } });
  const acme = new Customer(platform, 'acme', {
    number: 1,
    servers: [{ name: 'acme-main', address: '10.20.1.50' }],
    users: [{ name: 'acme.alice', vpn: true, servers: ['acme-main'] }],
  });
  const globex = new Customer(platform, 'globex', {
    number: 2,
    servers: [{ name: 'globex-main', address: '10.20.2.60' }],
    users: [{ name: 'globex.carol', vpn: true, servers: ['globex-main', 'acme-main'] }],
  });
  return { app, platform, acme, globex };
}

const issuesOf = (app: App): string[] => {
  try {
    app.synth({ write: false });
    return [];
  } catch (e) {
    return String((e as Error).message)
      .split('\n')
      .filter((l) => l.includes('PVECDK-RDS-USER-FENCED'));
  }
};

describe('RDS tenant fence', () => {
  it('GIVEN two customers WHEN synthesized THEN each user may reach their own servers only, and every other LAN address is blocked on the 4D ports for their account', () => {
    const { acme, globex } = twoCustomers();
    Template.fromStack(acme).hasResourceProperties('pvecdk_rds_user', {
      user_name: 'acme.alice',
      outbound_rules: [
        {
          name: 'pvecdk-rds/acme.alice/allow/acme-main',
          display_name: 'pvecdk: acme.alice may reach 4D server acme-main',
          action: 'Allow',
          remote_ports: '19812-19815',
          remote_addresses: ['10.20.1.50'],
          servers: ['acme-main'],
        },
        {
          name: 'pvecdk-rds/acme.alice/block',
          display_name: 'pvecdk: acme.alice may reach no other 4D server',
          action: 'Block',
          remote_ports: '19812-19815',
          // globex-main (10.20.2.60) is in there, and so is any server of a customer added later.
          remote_addresses: ['10.20.0.0-10.20.1.49', '10.20.1.51-10.20.3.255'],
        },
      ],
      folders: ['C:\\ShowGrounds\\Shortcuts\\acme.alice', 'C:\\ShowGrounds\\Links\\acme.alice'],
    });
    const carol = Template.fromStack(globex).findResources('pvecdk_rds_user', { user_name: 'globex.carol' });
    const rules = Object.values(carol)[0]!.properties.outbound_rules as Array<Record<string, unknown>>;
    expect(rules.map((r) => [r.name, r.remote_addresses])).toEqual([
      ['pvecdk-rds/globex.carol/allow/acme-main', ['10.20.1.50']],
      ['pvecdk-rds/globex.carol/allow/globex-main', ['10.20.2.60']],
      [
        'pvecdk-rds/globex.carol/block',
        ['10.20.0.0-10.20.1.49', '10.20.1.51-10.20.2.59', '10.20.2.61-10.20.3.255'],
      ],
    ]);
  });

  it('GIVEN carol loses her grant to acme-main WHEN synthesized THEN her acme Allow rule is gone and the Block rule covers acme-main', () => {
    const { app, platform } = testPlatform({ lan: { cidr: '10.20.0.0/22' } });
    new Customer(platform, 'acme', {
      number: 1,
      servers: [{ name: 'acme-main', address: '10.20.1.50' }],
      users: [],
    });
    const globex = new Customer(platform, 'globex', {
      number: 2,
      servers: [{ name: 'globex-main', address: '10.20.2.60' }],
      users: [{ name: 'globex.carol', vpn: true, servers: ['globex-main'] }],
    });
    const carol = Object.values(Template.fromStack(globex).findResources('pvecdk_rds_user'))[0]!;
    const rules = carol.properties.outbound_rules as Array<Record<string, unknown>>;
    expect(rules.map((r) => r.name)).toEqual([
      'pvecdk-rds/globex.carol/allow/globex-main',
      'pvecdk-rds/globex.carol/block',
    ]);
    expect(rules[1]!.remote_addresses).toContain('10.20.0.0-10.20.2.59');
    expect(issuesOf(app)).toEqual([]);
  });

  it('GIVEN an RDS user made by hand without a fence, or with a fence that leaves a server open or allows a stranger WHEN synthesized THEN PVECDK-RDS-USER-FENCED names each', () => {
    const { app, platform, acme } = twoCustomers();
    const target = platform.rds.guestTarget();
    const base = {
      target,
      password: platform.cluster.guestSshKey,
      groups: ['Remote Desktop Users'],
      script: 'x',
    };
    new RdsUser(acme, 'Mallory', { ...base, userName: 'acme.mallory' });
    new RdsUser(acme, 'Trent', {
      ...base,
      userName: 'acme.trent',
      outboundRules: [
        {
          name: 'pvecdk-rds/acme.trent/allow/x',
          displayName: 'x',
          action: 'Allow',
          remotePorts: '19812-19815',
          remoteAddresses: ['10.20.2.60'],
        },
        {
          name: 'pvecdk-rds/acme.trent/block',
          displayName: 'y',
          action: 'Block',
          remotePorts: '19812-19813',
          remoteAddresses: ['10.20.0.0-10.20.3.255'],
        },
      ],
    });
    const found = issuesOf(app);
    expect(found).toEqual([
      expect.stringMatching(
        /acme\/Mallory.*RDS user acme\.mallory has no fence: no outbound Block rule for the 4D ports 19812-19815 scoped to their account/,
      ),
      expect.stringMatching(/acme\/Trent.*RDS user acme\.trent has no fence/),
      expect.stringMatching(
        /acme\/Trent.*RDS user acme\.trent's rule pvecdk-rds\/acme\.trent\/allow\/x allows 10\.20\.2\.60, which is none of the 4D servers the user is granted \(none\)/,
      ),
    ]);
  });

  it('GIVEN a fence that leaves another customer open, acknowledged with a reason WHEN synthesized THEN the exception is accepted and lands in the plan', () => {
    const { app, platform, acme } = twoCustomers();
    const user = new RdsUser(acme, 'Auditor', {
      target: platform.rds.guestTarget(),
      password: platform.cluster.guestSshKey,
      groups: ['Remote Desktop Users'],
      script: 'x',
      userName: 'acme.audit',
      outboundRules: [
        {
          name: 'pvecdk-rds/acme.audit/block',
          displayName: 'y',
          action: 'Block',
          remotePorts: '19812-19815',
          remoteAddresses: ['10.20.1.50'],
        },
      ],
    });
    expect(issuesOf(app)).toEqual([
      expect.stringMatching(
        /RDS user acme\.audit is not fenced off the 4D servers globex-main \(10\.20\.2\.60\)/,
      ),
    ]);
    const second = twoCustomers();
    const again = new RdsUser(second.acme, 'Auditor', {
      target: second.platform.rds.guestTarget(),
      password: second.platform.cluster.guestSshKey,
      groups: ['Remote Desktop Users'],
      script: 'x',
      userName: 'acme.audit',
      outboundRules: [
        {
          name: 'pvecdk-rds/acme.audit/block',
          displayName: 'y',
          action: 'Block',
          remotePorts: '19812-19815',
          remoteAddresses: ['10.20.1.50'],
        },
      ],
    });
    Annotations.of(again).acknowledge(
      'PVECDK-RDS-USER-FENCED',
      'yearly audit of every customer, ticket AUD-7',
    );
    Annotations.of(again).acknowledge('PVECDK-RDS-VIA-VPN', 'the auditor works on site, ticket AUD-7');
    expect(user.node.path).toBe('acme/Auditor');
    expect(second.app.synth({ write: false }).plans.get('acme')!.acknowledgements).toEqual([
      {
        rule: 'PVECDK-RDS-USER-FENCED',
        path: 'acme/Auditor',
        reason: 'yearly audit of every customer, ticket AUD-7',
      },
      { rule: 'PVECDK-RDS-VIA-VPN', path: 'acme/Auditor', reason: 'the auditor works on site, ticket AUD-7' },
    ]);
  });

  it('GIVEN a LAN and granted addresses WHEN the rest is computed THEN ranges skip exactly those addresses', () => {
    const lan = { network: (10 << 24) >>> 0, prefix: 30 };
    expect(lanExcept(lan, [])).toEqual(['10.0.0.0-10.0.0.3']);
    expect(lanExcept(lan, [lan.network])).toEqual(['10.0.0.1-10.0.0.3']);
    expect(lanExcept(lan, [lan.network + 3, lan.network + 1])).toEqual(['10.0.0.0', '10.0.0.2']);
    expect(
      lanExcept(
        lan,
        [0, 1, 2, 3].map((i) => lan.network + i),
      ),
    ).toEqual([]);
  });
});
