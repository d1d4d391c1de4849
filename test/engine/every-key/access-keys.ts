import { expect } from 'vitest';
import { types } from '../../../lib/contract/index.ts';
import { checkUserPassword } from '../../../lib/sim/shadow.ts';
import type { CustomCheck, TypeCoverage } from './coverage.ts';

/** Access control: users, tokens, roles and ACL entries. */

const FILE = 'test/engine/every-key/access-keys.ts';
const PASSWORD_ENV = 'PVECDK_KEYS_USER_PASSWORD';
const EXPIRES = '2031-05-04T03:02:01Z';
const epoch = (iso: string) => Date.parse(iso) / 1000;

/** The user's direct grants as the handler reads them. */
const grants = (live: Readonly<Record<string, unknown>>) =>
  live.acl as Array<{ path: string; role_id: string; propagate: boolean }>;

const passwordAtCreation: CustomCheck = {
  name: 'a user created with a password has that password in Proxmox (and it is never read back)',
  async run(h) {
    process.env[PASSWORD_ENV] = 'every key, once';
    h.add('WithPassword', { user_id: 'keys-pw@pve', password: { secret: `env:${PASSWORD_ENV}` } });
    await h.deployExpecting('WithPassword', 'create');
    // Kept as a salted hash, as Proxmox's shadow.cfg keeps it: the password checks, the text is nowhere.
    expect(checkUserPassword(h.state, 'keys-pw@pve', 'every key, once')).toBe(true);
    expect(JSON.stringify(h.state)).not.toContain('every key, once');
    await h.expectSteady();
  },
};

export const userCoverage: TypeCoverage = {
  contract: types.userType,
  file: FILE,
  base: { User: { user_id: 'keys@pve' } },
  async setup(h) {
    await h.emulator.client.post('/access/groups', { groupid: 'keys-ops' });
    await h.emulator.client.post('/access/groups', { groupid: 'keys-dev' });
  },
  async baseCheck(h) {
    expect(h.state.users['keys@pve']).toMatchObject({ enable: 1 });
  },
  keys: {
    user_id: { base: 'the user' },
    password: { custom: passwordAtCreation },
    comment: {
      set: (p) => {
        p.comment = 'every key';
      },
      expect: (live) => expect(live.comment).toBe('every key'),
    },
    email: {
      set: (p) => {
        p.email = 'keys@example.com';
      },
      expect: (live) => expect(live.email).toBe('keys@example.com'),
    },
    first_name: {
      set: (p) => {
        p.first_name = 'Kay';
      },
      expect: (live) => expect(live.firstname).toBe('Kay'),
    },
    last_name: {
      set: (p) => {
        p.last_name = 'Ees';
      },
      expect: (live) => expect(live.lastname).toBe('Ees'),
    },
    enabled: {
      set: (p) => {
        p.enabled = false;
      },
      expect: (live) => expect(Number(live.enable)).toBe(0),
    },
    expiration_date: {
      set: (p) => {
        p.expiration_date = EXPIRES;
      },
      expect: (live) => expect(Number(live.expire)).toBe(epoch(EXPIRES)),
    },
    groups: {
      set: (p) => {
        p.groups = ['keys-ops', 'keys-dev'];
      },
      expect: (live) => expect(String(live.groups).split(',').sort()).toEqual(['keys-dev', 'keys-ops']),
    },
    'acl[].path': {
      set: (p) => {
        p.acl = [{ path: '/vms', role_id: 'PVEAuditor' }];
      },
      expect: (live) =>
        expect(grants(live)).toEqual([{ path: '/vms', role_id: 'PVEAuditor', propagate: true }]),
    },
    'acl[].role_id': {
      set: (p) => {
        p.acl[0].role_id = 'PVEVMUser';
      },
      expect: (live) =>
        expect(grants(live)).toEqual([{ path: '/vms', role_id: 'PVEVMUser', propagate: true }]),
    },
    'acl[].propagate': {
      set: (p) => {
        p.acl[0].propagate = false;
      },
      expect: (live) =>
        expect(grants(live)).toEqual([{ path: '/vms', role_id: 'PVEVMUser', propagate: false }]),
    },
  },
};

export const userTokenCoverage: TypeCoverage = {
  contract: types.userTokenType,
  file: FILE,
  base: { Token: { user_id: 'keys-tok@pve', token_name: 'ci' } },
  async setup(h) {
    await h.emulator.api.access.createUser({ userid: 'keys-tok@pve' });
  },
  async baseCheck(h) {
    expect(h.state.tokens['keys-tok@pve!ci']).toBeDefined();
    // Proxmox showed the secret once: the secret store keeps it.
    expect(h.secrets.resolve('generated:received/pve-tokens/keys-tok@pve!ci')).toBe(
      h.state.tokens['keys-tok@pve!ci']!.secret,
    );
  },
  keys: {
    user_id: { base: 'the user the token belongs to' },
    token_name: { base: 'the token' },
    comment: {
      set: (p) => {
        p.comment = 'continuous integration';
      },
      expect: (live) => expect(live.comment).toBe('continuous integration'),
    },
    expiration_date: {
      set: (p) => {
        p.expiration_date = EXPIRES;
      },
      expect: (live) => expect(Number(live.expire)).toBe(epoch(EXPIRES)),
    },
    privileges_separation: {
      set: (p) => {
        p.privileges_separation = false;
      },
      expect: (live) => expect(Number(live.privsep)).toBe(0),
    },
  },
};

export const roleCoverage: TypeCoverage = {
  contract: types.roleType,
  file: FILE,
  base: { Role: { role_id: 'KeysOperator', privileges: ['VM.Audit'] } },
  async baseCheck(h) {
    expect(h.state.roles.KeysOperator).toEqual(['VM.Audit']);
  },
  keys: {
    role_id: { base: 'the role' },
    privileges: {
      set: (p) => {
        p.privileges = ['VM.Audit', 'VM.PowerMgmt'];
      },
      expect: (live) => expect(live.privileges).toEqual(['VM.Audit', 'VM.PowerMgmt']),
    },
  },
};

export const aclCoverage: TypeCoverage = {
  contract: types.aclType,
  file: FILE,
  base: {
    ToUser: { path: '/vms', role_id: 'PVEAuditor', user_id: 'keys-acl@pve' },
    ToGroup: { path: '/vms', role_id: 'PVEAuditor', group_id: 'keys-acl' },
    ToToken: { path: '/vms', role_id: 'PVEAuditor', token_id: 'keys-acl@pve!ci' },
  },
  async setup(h) {
    await h.emulator.api.access.createUser({ userid: 'keys-acl@pve' });
    await h.emulator.api.access.createToken('keys-acl@pve', 'ci');
    await h.emulator.client.post('/access/groups', { groupid: 'keys-acl' });
  },
  async baseCheck(h) {
    const acl = await h.emulator.api.access.acl();
    expect(acl.filter((a) => a.path === '/vms').map((a) => [a.type, a.ugid, a.roleid, a.propagate])).toEqual(
      expect.arrayContaining([
        ['user', 'keys-acl@pve', 'PVEAuditor', true],
        ['group', 'keys-acl', 'PVEAuditor', true],
        ['token', 'keys-acl@pve!ci', 'PVEAuditor', true],
      ]),
    );
  },
  keys: {
    path: { base: 'where the grant applies' },
    role_id: { base: 'the role granted' },
    user_id: { base: 'ToUser grants to a user' },
    group_id: { base: 'ToGroup grants to a group' },
    token_id: { base: 'ToToken grants to an API token' },
    propagate: {
      set: (p) => {
        p.propagate = false;
      },
      expect: (live) => expect(live.propagate).toBe(false),
    },
  },
};
