import { describe, expect, it } from 'vitest';
import { Customer } from '../../../lib/constructs/index.ts';
import { PvecdkError } from '../../../lib/core/error-family.ts';
import { testPlatform } from '../../constructs/fixtures.ts';
import { FakeWindowsHost } from './fake-windows-host.ts';
import { context, deploy, diff, type RdsState, rdsResources } from './rds-driver.ts';

const ACME = {
  number: 1,
  servers: [{ name: 'acme-main', address: '10.20.1.50' }],
  users: [
    { name: 'acme.alice', fullName: 'Alice Martin', vpn: true, servers: ['acme-main'] },
    { name: 'acme.bob', fullName: 'Bob Durand', vpn: true, servers: ['acme-main'] },
  ],
};
const GLOBEX = {
  number: 2,
  servers: [{ name: 'globex-main', address: '10.20.2.60' }],
  users: [
    { name: 'globex.carol', fullName: 'Carol Nguyen', vpn: true, servers: ['globex-main', 'acme-main'] },
  ],
};

/** The example platform with acme and globex, as stacks/*.ts make them. */
function bothCustomers() {
  const { app, platform } = testPlatform();
  new Customer(platform, 'acme', ACME);
  new Customer(platform, 'globex', GLOBEX);
  return { acme: rdsResources(app, 'acme'), globex: rdsResources(app, 'globex') };
}

const actions = (outcomes: readonly { path: string; action: string }[]) =>
  Object.fromEntries(outcomes.map((o) => [o.path, o.action]));

describe('pvecdk_rds_user and pvecdk_rds_shortcut handlers (a fake Windows host)', () => {
  it('GIVEN acme deployed WHEN deployed again THEN accounts, fences and shortcuts are there and the second run only reads', async () => {
    const host = new FakeWindowsHost();
    const { ctx } = context(host);
    const state: RdsState = new Map();
    const { acme } = bothCustomers();
    const first = await deploy(ctx, state, acme);
    expect(actions(first)).toEqual({
      'acme/acme.alice/RdsUser': 'create',
      'acme/acme.bob/RdsUser': 'create',
      'acme/acme.alice/Shortcut-acme-main': 'create',
      'acme/acme.bob/Shortcut-acme-main': 'create',
    });
    const alice = host.account('acme.alice')!;
    expect(alice).toMatchObject({
      fullName: 'Alice Martin',
      enabled: true,
      groups: new Set(['Remote Desktop Users']),
    });
    expect(alice.password).toBe('pw-of-generated:rds/users/acme.alice!Aa1');
    expect(host.rulesOf('acme.alice').map((r) => [r.name, r.action, r.addresses, r.localUser])).toEqual([
      ['pvecdk-rds/acme.alice/allow/acme-main', 'Allow', ['10.20.1.50'], `D:(A;;CC;;;${alice.sid})`],
      [
        'pvecdk-rds/acme.alice/block',
        'Block',
        ['10.20.0.0-10.20.1.49', '10.20.1.51-10.20.255.255'],
        `D:(A;;CC;;;${alice.sid})`,
      ],
    ]);
    expect(host.files.get('c:\\showgrounds\\links\\acme.alice\\acme-main.4dlink')!.toString()).toContain(
      'server_path="10.20.1.50:19813"',
    );
    expect(host.lnks.get('c:\\showgrounds\\shortcuts\\acme.alice\\showgrounds - acme-main.lnk')).toEqual({
      target: 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe',
      arguments: '"C:\\ShowGrounds\\Links\\acme.alice\\acme-main.4DLink"',
      description: 'ShowGrounds on acme-main',
    });

    const mark = host.log.length;
    const again = await deploy(ctx, state, acme);
    expect(new Set(again.map((o) => o.action))).toEqual(new Set(['no-op']));
    expect(host.changingRuns(mark)).toEqual([]);
    expect(host.log.length - mark).toBe(4);
  });

  it('GIVEN a new account WHEN created THEN the password travels on stdin only, never in a command line or script, and an existing account keeps the password its user set', async () => {
    const host = new FakeWindowsHost();
    const { ctx } = context(host);
    const state: RdsState = new Map();
    await deploy(ctx, state, bothCustomers().acme);
    const password = 'pw-of-generated:rds/users/acme.alice!Aa1';
    const creates = host.log.filter((r) => r.kind === 'rds-user: converge');
    expect(creates).toHaveLength(2);
    for (const run of host.log) {
      expect(run.command).not.toContain(password);
      expect(JSON.parse(run.stdin).script).not.toContain(password);
    }
    expect(JSON.parse(creates[0]!.stdin).env).toEqual({ PVECDK_PASSWORD: password });

    // The user changed their password; bob's account was disabled by hand: only bob is converged, without a password.
    host.account('acme.alice')!.password = 'chosen by alice';
    host.account('acme.bob')!.enabled = false;
    const mark = host.log.length;
    await deploy(ctx, state, bothCustomers().acme);
    expect(host.account('acme.alice')!.password).toBe('chosen by alice');
    const runs = host.changingRuns(mark);
    expect(runs.map((r) => r.kind)).toEqual(['rds-user: converge']);
    expect(JSON.parse(runs[0]!.stdin).env).toEqual({});
    expect(host.account('acme.bob')!.enabled).toBe(true);
  });

  it('GIVEN drift made by hand in the guest WHEN diffed THEN each change shows by property, and a deploy repairs it all', async () => {
    const host = new FakeWindowsHost();
    const { ctx } = context(host);
    const state: RdsState = new Map();
    const { acme } = bothCustomers();
    await deploy(ctx, state, acme);
    const alice = host.account('acme.alice')!;
    alice.enabled = false;
    alice.groups.delete('Remote Desktop Users');
    host.account('acme.bob')!.fullName = 'Robert';
    host.rules.delete('pvecdk-rds/acme.alice/block');
    host.rules.get('pvecdk-rds/acme.bob/allow/acme-main')!.addresses = ['10.20.2.60'];
    host.rules.get('pvecdk-rds/acme.bob/block')!.localUser = 'D:(A;;CC;;;S-1-5-21-9)';
    host.rules.set('pvecdk-rds/acme.alice/allow/globex-main', {
      ...host.rules.get('pvecdk-rds/acme.alice/allow/acme-main')!,
      name: 'pvecdk-rds/acme.alice/allow/globex-main',
    });
    host.files.set('c:\\showgrounds\\links\\acme.alice\\acme-main.4dlink', Buffer.from('tampered'));
    host.lnks.get('c:\\showgrounds\\shortcuts\\acme.bob\\showgrounds - acme-main.lnk')!.target =
      'C:\\evil.exe';

    const shown = await diff(ctx, acme);
    expect(shown).toEqual([
      {
        path: 'acme/acme.alice/RdsUser',
        action: 'update',
        keys: ['enabled', 'groups', 'outbound_rules[1]', 'outbound_rules'],
      },
      {
        path: 'acme/acme.bob/RdsUser',
        action: 'update',
        keys: ['full_name', 'outbound_rules[0].remote_addresses', 'outbound_rules[1].local_user'],
      },
      { path: 'acme/acme.alice/Shortcut-acme-main', action: 'update', keys: ['link_content'] },
      { path: 'acme/acme.bob/Shortcut-acme-main', action: 'update', keys: ['client_exe'] },
    ]);
    await deploy(ctx, state, acme);
    expect(new Set((await diff(ctx, acme)).map((o) => o.action))).toEqual(new Set(['no-op']));
    expect(host.rulesOf('acme.alice').map((r) => r.name)).toEqual([
      'pvecdk-rds/acme.alice/allow/acme-main',
      'pvecdk-rds/acme.alice/block',
    ]);
  });

  it('GIVEN acme and globex deployed WHEN acme is destroyed and globex deployed without it THEN only acme accounts are retired and carol keeps her globex shortcut only', async () => {
    const host = new FakeWindowsHost();
    const { ctx, notices } = context(host);
    const acmeState: RdsState = new Map();
    const globexState: RdsState = new Map();
    const both = bothCustomers();
    await deploy(ctx, acmeState, both.acme);
    await deploy(ctx, globexState, both.globex);
    const carol = host.account('globex.carol')!;
    expect([...host.lnks.keys()].filter((k) => k.includes('globex.carol')).sort()).toEqual([
      'c:\\showgrounds\\shortcuts\\globex.carol\\showgrounds - acme-main.lnk',
      'c:\\showgrounds\\shortcuts\\globex.carol\\showgrounds - globex-main.lnk',
    ]);

    // acme is destroyed: its plan is empty.
    const destroyed = await deploy(ctx, acmeState, []);
    expect(actions(destroyed)).toEqual({
      'acme/acme.alice/Shortcut-acme-main': 'delete',
      'acme/acme.bob/Shortcut-acme-main': 'delete',
      'acme/acme.alice/RdsUser': 'delete',
      'acme/acme.bob/RdsUser': 'delete',
    });
    // globex without acme: carol's acme shortcut leaves the plan (acme-main no longer exists).
    const { app, platform } = testPlatform();
    new Customer(platform, 'globex', {
      ...GLOBEX,
      users: [{ ...GLOBEX.users[0]!, servers: ['globex-main'] }],
    });
    const redeployed = await deploy(ctx, globexState, rdsResources(app, 'globex'));
    expect(redeployed.filter((o) => o.action !== 'no-op')).toEqual([
      { path: 'globex/globex.carol/Shortcut-acme-main', action: 'delete', keys: [] },
      {
        path: 'globex/globex.carol/RdsUser',
        action: 'update',
        keys: ['outbound_rules[1].remote_addresses', 'outbound_rules'],
      },
    ]);

    for (const name of ['acme.alice', 'acme.bob']) {
      expect(host.account(name)).toMatchObject({ enabled: false });
      expect(host.rulesOf(name)).toEqual([]);
      expect([...host.lnks.keys(), ...host.files.keys()].filter((k) => k.includes(name))).toEqual([]);
    }
    expect(host.account('globex.carol')).toMatchObject({
      enabled: true,
      sid: carol.sid,
      password: carol.password,
    });
    expect([...host.lnks.keys()].filter((k) => k.includes('globex.carol'))).toEqual([
      'c:\\showgrounds\\shortcuts\\globex.carol\\showgrounds - globex-main.lnk',
    ]);
    expect([...host.files.keys()].filter((k) => k.includes('globex.carol'))).toEqual([
      'c:\\showgrounds\\links\\globex.carol\\globex-main.4dlink',
    ]);
    expect(host.rulesOf('globex.carol').map((r) => [r.name, r.addresses])).toEqual([
      ['pvecdk-rds/globex.carol/allow/globex-main', ['10.20.2.60']],
      ['pvecdk-rds/globex.carol/block', ['10.20.0.0-10.20.2.59', '10.20.2.61-10.20.255.255']],
    ]);
    expect(notices.filter((n) => n.includes('acme.alice'))).toEqual([
      "acme/acme.alice/RdsUser: account acme.alice disabled on VM 110 on pve1, its fence rules and shortcut folders removed; its profile (the user's files) is kept: delete the account and its profile by hand, or remove the user with --allow-destroy-data",
    ]);
  });

  it('GIVEN a user removed with --allow-destroy-data WHEN deployed THEN the account and its profile are deleted', async () => {
    const host = new FakeWindowsHost();
    const state: RdsState = new Map();
    await deploy(context(host).ctx, state, bothCustomers().acme);
    const sid = host.account('acme.bob')!.sid;
    host.profiles.add(sid);
    const withoutBob = bothCustomers().acme.filter((r) => !r.path.startsWith('acme/acme.bob/'));
    await deploy(context(host, { allowDestroyData: true }).ctx, state, withoutBob);
    expect(host.account('acme.bob')).toBeUndefined();
    expect(host.profiles.has(sid)).toBe(false);
    expect(host.account('acme.alice')).toMatchObject({ enabled: true });
  });

  it('GIVEN a removed user added back WHEN deployed THEN the disabled account is enabled again, with its password untouched', async () => {
    const host = new FakeWindowsHost();
    const { ctx } = context(host);
    const state: RdsState = new Map();
    const { acme } = bothCustomers();
    await deploy(ctx, state, acme);
    await deploy(
      ctx,
      state,
      acme.filter((r) => !r.path.startsWith('acme/acme.bob/')),
    );
    host.account('acme.bob')!.password = 'kept';
    const back = await deploy(ctx, state, acme);
    expect(back.find((o) => o.path === 'acme/acme.bob/RdsUser')).toMatchObject({ action: 'update' });
    expect(host.account('acme.bob')).toMatchObject({ enabled: true, password: 'kept' });
    expect(host.rulesOf('acme.bob')).toHaveLength(2);
  });

  it('GIVEN a guest whose firewall does not take the rules WHEN deployed THEN the account fails naming what still differs', async () => {
    const host = new FakeWindowsHost();
    host.ignoreRules = true;
    const { ctx } = context(host);
    const alice = bothCustomers().acme.filter((r) => r.path === 'acme/acme.alice/RdsUser');
    const error = await deploy(ctx, new Map(), alice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PvecdkError);
    expect(error).toMatchObject({
      code: 'WINDOWS_GUEST_NOT_CONVERGED',
      message:
        'acme/acme.alice/RdsUser: the account script ran on VM 110 on pve1, but these still differ: outbound_rules[0], outbound_rules[1]',
    });
  });

  it('GIVEN a run without a guest transport WHEN an account is read THEN it refuses, naming the resource and the VM', async () => {
    const host = new FakeWindowsHost();
    const { ctx } = context(host);
    const { guests: _none, ...without } = ctx;
    await expect(diff(without, bothCustomers().acme.slice(0, 1))).rejects.toMatchObject({
      code: 'GUEST_NO_TRANSPORT',
      message: expect.stringContaining(
        'acme/acme.alice/RdsUser: reaching VM 110 on pve1 needs a guest transport',
      ),
    });
  });
});

describe('the RDS handlers and the plan scripts agree', () => {
  it('GIVEN the rule group and link conventions WHEN compared between lib/render and lib/engine THEN they are the same', async () => {
    const render = await import('../../../lib/render/index.ts');
    const engine = await import('../../../lib/engine/guest/rds-guest-scripts.ts');
    const read = engine.renderRdsUserReadScript({ userName: 'acme.alice', groups: [] });
    expect(read).toContain(`"ruleGroup":"${render.RDS_RULE_GROUP}"`);
    expect(engine.linkContentSha256('<a/>\n')).toBe(render.linkContentSha256('<a/>\n'));
    expect(engine.shortcutArguments('C:\\L\\x.4DLink')).toBe(render.shortcutArguments('C:\\L\\x.4DLink'));
  });
});
