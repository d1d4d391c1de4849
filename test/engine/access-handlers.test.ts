import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { userHandler, userTokenHandler } from '../../lib/engine/handlers/access-handlers.ts';
import type {
  DesiredResource,
  HandlerContext,
  ResourceChange,
  ResourceHandler,
} from '../../lib/engine/handlers/handler.ts';
import { HANDLERS } from '../../lib/engine/handlers/index.ts';
import { aclHandler, roleHandler } from '../../lib/engine/handlers/role-acl-handlers.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import type { PveApi } from '../../lib/pve/api/pve-api.ts';
import { PveClient } from '../../lib/pve/client.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup() {
  const emulator = await startTestEmulator({});
  running.push(emulator);
  const secrets = new SecretStore(mkdtempSync(join(tmpdir(), 'pvecdk-access-')), 'test');
  const ctx: HandlerContext = { api: emulator.api, inventory: [], stack: 'acme', secrets };
  return { emulator, state: emulator.server.emulator.state, secrets, ctx };
}

const resource = (type: string, properties: Record<string, unknown>): DesiredResource<never> =>
  desired(
    HANDLERS.get(type)!,
    `acme/${type.replace('proxmox_virtual_environment_', '')}`,
    properties,
  ) as DesiredResource<never>;

/** Reads and plans, as a deploy does before it changes anything. */
async function planOf(handler: ResourceHandler, ctx: HandlerContext, r: DesiredResource) {
  return handler.diff(r, await handler.read(ctx, r));
}

/** Plans and applies; returns the change and the attributes for state. */
async function converge(handler: ResourceHandler, ctx: HandlerContext, r: DesiredResource) {
  const change = await planOf(handler, ctx, r);
  const attributes = await handler.apply(ctx, r, change, await handler.read(ctx, r));
  return { change, attributes };
}

/** A client that logs in as someone else: proves a password or token secret works. */
function clientAs(
  emulator: TestEmulator,
  credentials: ConstructorParameters<typeof PveClient>[0]['credentials'],
) {
  const client = new PveClient({
    hosts: [emulator.server.url],
    credentials,
    tls: { fingerprint: emulator.server.fingerprint },
    backoff: { attempts: 1, baseMs: 1, maxMs: 1 },
  });
  running.push(client);
  return client;
}

const leaks = (secret: string, ...things: Array<ResourceChange | Record<string, unknown>>) =>
  things.some((t) => JSON.stringify(t).includes(secret));

describe('user handler against the emulator', () => {
  it('GIVEN a user with a password reference WHEN created, re-planned, changed and deleted THEN each step converges and the password is set but never shown', async () => {
    const { emulator, state, ctx } = await setup();
    const password = 'Correct-Horse-Battery-9';
    process.env.PVECDK_TEST_OPS_PASSWORD = password;
    const user = (comment: string, enabled: boolean) =>
      resource('proxmox_virtual_environment_user', {
        user_id: 'ops@pve',
        password: { secret: 'env:PVECDK_TEST_OPS_PASSWORD' },
        comment,
        enabled,
      });

    const created = await converge(userHandler, ctx, user('operators', true));
    expect(created.change.action).toBe('create');
    expect(created.attributes).toEqual({ user_id: 'ops@pve' });
    expect(state.users['ops@pve']).toMatchObject({ enable: 1, comment: 'operators' });
    const ticket = (await emulator.client.post('/access/ticket', { username: 'ops@pve', password })) as {
      username: string;
    };
    expect(ticket.username).toBe('ops@pve');

    expect((await planOf(userHandler, ctx, user('operators', true))).action).toBe('no-op');
    const change = await planOf(userHandler, ctx, user('on-call operators', false));
    expect(change).toEqual({
      action: 'update',
      changes: [
        { key: 'comment', from: 'operators', to: 'on-call operators', forcesReplacement: false },
        { key: 'enabled', api: 'enable', from: true, to: false, forcesReplacement: false },
      ],
      destroysData: false,
    });
    const updated = await userHandler.apply(ctx, user('on-call operators', false), change, undefined);
    expect(state.users['ops@pve']).toMatchObject({ enable: 0, comment: 'on-call operators' });
    expect((await planOf(userHandler, ctx, user('on-call operators', false))).action).toBe('no-op');
    expect(leaks(password, created.change, created.attributes, change, updated)).toBe(false);

    await userHandler.delete(ctx, applied(userHandler, 'test/Resource', created.attributes));
    expect(state.users['ops@pve']).toBeUndefined();
    expect((await planOf(userHandler, ctx, user('operators', true))).action).toBe('create');
  });

  it('GIVEN a user whose acl block changes WHEN applied THEN its direct grants follow the block and nothing else', async () => {
    const { state, ctx } = await setup();
    const user = (acl: Array<Record<string, unknown>>) =>
      resource('proxmox_virtual_environment_user', { user_id: 'audit@pve', acl });
    await converge(userHandler, ctx, user([{ path: '/vms/1142', role_id: 'PVEVMUser', propagate: true }]));
    const grants = () =>
      state.acl.filter((a) => a.ugid === 'audit@pve').map((a) => `${a.path} ${a.roleid} ${a.propagate}`);
    expect(grants()).toEqual(['/vms/1142 PVEVMUser true']);
    expect((await planOf(userHandler, ctx, user([{ path: '/vms/1142', role_id: 'PVEVMUser' }]))).action).toBe(
      'no-op',
    );

    const next = user([
      { path: '/', role_id: 'PVEAuditor', propagate: false },
      { path: '/vms/1142', role_id: 'PVEVMUser' },
    ]);
    const { change } = await converge(userHandler, ctx, next);
    expect(change.changes).toEqual([
      {
        key: 'acl',
        from: [{ path: '/vms/1142', role_id: 'PVEVMUser', propagate: true }],
        to: [
          { path: '/', role_id: 'PVEAuditor', propagate: false },
          { path: '/vms/1142', role_id: 'PVEVMUser', propagate: true },
        ],
        forcesReplacement: false,
      },
    ]);
    expect(grants().sort()).toEqual(['/ PVEAuditor false', '/vms/1142 PVEVMUser true']);
    expect((await planOf(userHandler, ctx, next)).action).toBe('no-op');
  });

  it('GIVEN a password that cannot be resolved WHEN the user is created THEN the error names the resource and the variable, and nothing is created', async () => {
    const { state, ctx } = await setup();
    delete process.env.PVECDK_TEST_UNSET_PASSWORD;
    const user = resource('proxmox_virtual_environment_user', {
      user_id: 'ghost@pve',
      password: { secret: 'env:PVECDK_TEST_UNSET_PASSWORD' },
    });
    const change = await planOf(userHandler, ctx, user);
    await expect(userHandler.apply(ctx, user, change, undefined)).rejects.toThrow(
      expect.objectContaining({
        code: 'SECRET_ENV_MISSING',
        message: expect.stringMatching(
          /^acme\/user: password: environment variable PVECDK_TEST_UNSET_PASSWORD is not set/,
        ),
        hint: expect.stringContaining('export PVECDK_TEST_UNSET_PASSWORD='),
      }),
    );
    await expect(userHandler.apply({ ...ctx, secrets: undefined }, user, change, undefined)).rejects.toThrow(
      'acme/user: password is the secret env:PVECDK_TEST_UNSET_PASSWORD, and this run has no secret store',
    );
    expect(state.users['ghost@pve']).toBeUndefined();
  });
});

describe('user handler secrecy', () => {
  it('GIVEN an API error that echoes the password WHEN the user is created THEN the error shows (secret) instead', async () => {
    process.env.PVECDK_TEST_ECHOED_PASSWORD = 'Echoed-Secret-77';
    const echoing = {
      access: {
        createUser: async (params: { password?: string }) => {
          throw new Error(`value '${params.password}' is not allowed`);
        },
      },
    } as unknown as PveApi;
    const secrets = new SecretStore(mkdtempSync(join(tmpdir(), 'pvecdk-access-')), 'test');
    const user = resource('proxmox_virtual_environment_user', {
      user_id: 'ops@pve',
      password: { secret: 'env:PVECDK_TEST_ECHOED_PASSWORD' },
    });
    const error = await userHandler
      .apply(
        { api: echoing, inventory: [], stack: 'acme', secrets },
        user,
        userHandler.diff(user, undefined),
        undefined,
      )
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("acme/user: value '(secret)' is not allowed");
  });
});

describe('user handler comparisons', () => {
  it('GIVEN live values in the forms Proxmox returns WHEN planned THEN equal values in other forms are no change, and expire 0 is unset', () => {
    const live = { userid: 'ops@pve', enable: 1, expire: 0, groups: 'ops,admins', comment: undefined };
    const observed = { attributes: { user_id: 'ops@pve' }, live };
    const user = (props: Record<string, unknown>) =>
      resource('proxmox_virtual_environment_user', { user_id: 'ops@pve', ...props });
    expect(
      userHandler.diff(user({ enabled: true, groups: ['admins', 'ops'], comment: '' }), observed),
    ).toEqual({
      action: 'no-op',
      changes: [],
      destroysData: false,
    });
    expect(userHandler.diff(user({ expiration_date: '2030-01-01T00:00:00Z' }), observed).changes).toEqual([
      {
        key: 'expiration_date',
        api: 'expire',
        from: undefined,
        to: '2030-01-01T00:00:00.000Z',
        forcesReplacement: false,
      },
    ]);
    const expiring = { ...observed, live: { ...live, expire: 1_893_456_000 } };
    expect(userHandler.diff(user({ expiration_date: '2030-01-01T01:00:00+01:00' }), expiring).action).toBe(
      'no-op',
    );
    expect(userHandler.diff(user({ groups: ['ops'] }), observed).changes).toEqual([
      { key: 'groups', from: ['admins', 'ops'], to: ['ops'], forcesReplacement: false },
    ]);
  });
});

describe('user token handler against the emulator', () => {
  it('GIVEN a token WHEN created, re-planned, changed and deleted THEN its secret works, lives only in the secret store, and each step converges', async () => {
    const { emulator, state, secrets, ctx } = await setup();
    await emulator.api.access.createUser({ userid: 'ci@pve' });
    const token = (comment: string, separated: boolean) =>
      resource('proxmox_virtual_environment_user_token', {
        user_id: 'ci@pve',
        token_name: 'deploy',
        comment,
        privileges_separation: separated,
      });

    const created = await converge(userTokenHandler, ctx, token('pipeline', true));
    expect(created.change.action).toBe('create');
    expect(created.attributes).toEqual({
      id: 'ci@pve!deploy',
      user_id: 'ci@pve',
      token_name: 'deploy',
      value: { secret: 'generated:received/pve-tokens/ci@pve!deploy' },
    });
    const secret = secrets.resolve('generated:received/pve-tokens/ci@pve!deploy');
    expect(secret).toBe(state.tokens['ci@pve!deploy']?.secret);
    const asToken = clientAs(emulator, { tokenId: 'ci@pve!deploy', tokenSecret: secret });
    expect(await asToken.get('/version')).toMatchObject({ version: expect.any(String) });

    expect((await planOf(userTokenHandler, ctx, token('pipeline', true))).action).toBe('no-op');
    const change = await planOf(userTokenHandler, ctx, token('release pipeline', false));
    expect(change.changes).toEqual([
      { key: 'comment', from: 'pipeline', to: 'release pipeline', forcesReplacement: false },
      { key: 'privileges_separation', api: 'privsep', from: true, to: false, forcesReplacement: false },
    ]);
    const updated = await userTokenHandler.apply(ctx, token('release pipeline', false), change, undefined);
    expect(state.tokens['ci@pve!deploy']).toMatchObject({ privsep: 0, comment: 'release pipeline' });
    expect((await planOf(userTokenHandler, ctx, token('release pipeline', false))).action).toBe('no-op');
    expect(leaks(secret, created.change, created.attributes, change, updated)).toBe(false);

    await userTokenHandler.delete(ctx, applied(userTokenHandler, 'test/Resource', created.attributes));
    expect(state.tokens['ci@pve!deploy']).toBeUndefined();
    await expect(asToken.get('/version')).rejects.toThrow(expect.objectContaining({ code: 'PVE_AUTH' }));
    // Nothing of the deleted token stays behind in the secret store.
    expect(secrets.names).not.toContain('received/pve-tokens/ci@pve!deploy');
  });

  it('GIVEN no secret store to keep the secret, or no such user WHEN a token is created THEN it is refused, naming the resource, and no token exists', async () => {
    const { emulator, state, ctx } = await setup();
    await emulator.api.access.createUser({ userid: 'ci@pve' });
    const token = resource('proxmox_virtual_environment_user_token', { user_id: 'ci@pve', token_name: 'ci' });
    const change = await planOf(userTokenHandler, ctx, token);
    await expect(
      userTokenHandler.apply({ ...ctx, secrets: { resolve: () => 'x' } }, token, change, undefined),
    ).rejects.toThrow("acme/user_token: Proxmox shows a new token's secret only once");
    expect(state.tokens['ci@pve!ci']).toBeUndefined();

    const orphan = resource('proxmox_virtual_environment_user_token', {
      user_id: 'nobody@pve',
      token_name: 'ci',
    });
    expect((await planOf(userTokenHandler, ctx, orphan)).action).toBe('create');
    await expect(userTokenHandler.apply(ctx, orphan, change, undefined)).rejects.toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^acme\/user_token: .*no such user/),
        hint: expect.stringContaining('check that user nobody@pve exists'),
      }),
    );
  });
});

describe('role handler against the emulator', () => {
  it('GIVEN a custom role WHEN created, re-planned in another order, extended and deleted THEN privileges compare as sets', async () => {
    const { state, ctx } = await setup();
    const role = (privileges: string[]) =>
      resource('proxmox_virtual_environment_role', { role_id: 'PvecdkDeploy', privileges });
    const created = await converge(roleHandler, ctx, role(['VM.PowerMgmt', 'VM.Audit']));
    expect(created.attributes).toEqual({ role_id: 'PvecdkDeploy' });
    expect([...(state.roles.PvecdkDeploy ?? [])].sort()).toEqual(['VM.Audit', 'VM.PowerMgmt']);
    expect((await planOf(roleHandler, ctx, role(['VM.Audit', 'VM.PowerMgmt']))).action).toBe('no-op');

    const { change } = await converge(roleHandler, ctx, role(['VM.Audit', 'VM.PowerMgmt', 'VM.Console']));
    expect(change.changes).toEqual([
      {
        key: 'privileges',
        api: 'privs',
        from: ['VM.Audit', 'VM.PowerMgmt'],
        to: ['VM.Audit', 'VM.Console', 'VM.PowerMgmt'],
        forcesReplacement: false,
      },
    ]);
    expect([...(state.roles.PvecdkDeploy ?? [])].sort()).toEqual(['VM.Audit', 'VM.Console', 'VM.PowerMgmt']);
    expect((await planOf(roleHandler, ctx, role(['VM.Console', 'VM.PowerMgmt', 'VM.Audit']))).action).toBe(
      'no-op',
    );

    await roleHandler.delete(ctx, applied(roleHandler, 'test/Resource', created.attributes));
    expect(state.roles.PvecdkDeploy).toBeUndefined();
  });

  it('GIVEN an unknown privilege or a built-in role id WHEN deployed THEN the error names the resource and what to do', async () => {
    const { state, ctx } = await setup();
    const bad = resource('proxmox_virtual_environment_role', {
      role_id: 'Teleporters',
      privileges: ['VM.Audit', 'VM.Teleport'],
    });
    await expect(converge(roleHandler, ctx, bad)).rejects.toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^acme\/role: .*invalid privilege 'VM\.Teleport'/),
        hint: expect.stringContaining('use privilege names your Proxmox VE version knows'),
      }),
    );
    expect(state.roles.Teleporters).toBeUndefined();

    const builtin = resource('proxmox_virtual_environment_role', {
      role_id: 'PVEAuditor',
      privileges: ['VM.Audit'],
    });
    await expect(planOf(roleHandler, ctx, builtin)).rejects.toMatchObject({
      code: 'ENGINE_CANNOT_APPLY',
      message: expect.stringContaining(
        "acme/role: role 'PVEAuditor' is built into Proxmox and cannot be changed",
      ),
      hint: expect.stringContaining('give the role resource another roleId'),
    });
  });
});

describe('ACL handler against the emulator', () => {
  it('GIVEN a grant to a user WHEN created, re-planned, its propagate flipped and deleted THEN each step converges', async () => {
    const { emulator, state, ctx } = await setup();
    await emulator.api.access.createUser({ userid: 'ops@pve' });
    const acl = (propagate: boolean) =>
      resource('proxmox_virtual_environment_acl', {
        path: '/pool/acme',
        role_id: 'PVEVMUser',
        user_id: 'ops@pve',
        propagate,
      });
    const created = await converge(aclHandler, ctx, acl(true));
    expect(created.attributes).toEqual({
      path: '/pool/acme',
      role_id: 'PVEVMUser',
      type: 'user',
      ugid: 'ops@pve',
    });
    expect(state.acl).toContainEqual({
      path: '/pool/acme',
      ugid: 'ops@pve',
      roleid: 'PVEVMUser',
      propagate: true,
    });
    expect((await planOf(aclHandler, ctx, acl(true))).action).toBe('no-op');

    const { change } = await converge(aclHandler, ctx, acl(false));
    expect(change.changes).toEqual([{ key: 'propagate', from: true, to: false, forcesReplacement: false }]);
    expect(state.acl.filter((a) => a.ugid === 'ops@pve')).toEqual([
      { path: '/pool/acme', ugid: 'ops@pve', roleid: 'PVEVMUser', propagate: false },
    ]);
    expect((await planOf(aclHandler, ctx, acl(false))).action).toBe('no-op');

    await aclHandler.delete(ctx, applied(aclHandler, 'test/Resource', created.attributes));
    expect(state.acl.some((a) => a.ugid === 'ops@pve')).toBe(false);
    expect((await planOf(aclHandler, ctx, acl(false))).action).toBe('create');
  });

  it('GIVEN grants to a group and a token WHEN created THEN each is found again by its subject, and deleting one leaves the other', async () => {
    const { emulator, state, ctx } = await setup();
    await emulator.api.access.createUser({ userid: 'ci@pve' });
    await emulator.api.access.createToken('ci@pve', 'deploy');
    // Proxmox grants only to a group that exists.
    await emulator.client.post('/access/groups', { groupid: 'auditors' });
    const group = resource('proxmox_virtual_environment_acl', {
      path: '/',
      role_id: 'PVEAuditor',
      group_id: 'auditors',
    });
    const token = resource('proxmox_virtual_environment_acl', {
      path: '/',
      role_id: 'PVEAuditor',
      token_id: 'ci@pve!deploy',
    });
    const g = await converge(aclHandler, ctx, group);
    await converge(aclHandler, ctx, token);
    expect((await planOf(aclHandler, ctx, group)).action).toBe('no-op');
    expect((await planOf(aclHandler, ctx, token)).action).toBe('no-op');
    await aclHandler.delete(ctx, applied(aclHandler, 'test/Resource', g.attributes));
    expect((await planOf(aclHandler, ctx, group)).action).toBe('create');
    expect(state.acl.map((a) => a.ugid)).toEqual(['ci@pve!deploy']);
  });

  it('GIVEN a grant of a role that does not exist WHEN applied THEN the error names the resource and what to check', async () => {
    const { emulator, ctx } = await setup();
    await emulator.api.access.createUser({ userid: 'ops@pve' });
    const acl = resource('proxmox_virtual_environment_acl', {
      path: '/',
      role_id: 'NoSuchRole',
      user_id: 'ops@pve',
    });
    await expect(converge(aclHandler, ctx, acl)).rejects.toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^acme\/acl: .*role 'NoSuchRole' does not exist/),
        hint: expect.stringContaining('check that role NoSuchRole and user ops@pve exist'),
      }),
    );
  });
});
