import { describe, expect, it } from 'vitest';
import { Emulator, seedState } from '../../lib/sim/index.ts';

/** An in-process emulator, and calls as root's token or as any token it minted. */
function setup() {
  const emulator = new Emulator(seedState(), { latencyScale: 0, checkAnswers: true });
  const rootAuth = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
  const request = (
    auth: string,
    method: string,
    path: string,
    params: Record<string, string | number> = {},
  ) => {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const withQuery = method === 'GET' || method === 'DELETE';
    const res = emulator.handle({
      method,
      url: `/api2/json${path}${withQuery && form ? `?${form}` : ''}`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: withQuery ? '' : form,
    });
    const json = res.body
      ? (JSON.parse(res.body) as { data: unknown; errors?: unknown })
      : { data: undefined };
    return { status: res.status, reason: res.reason, data: json.data, errors: json.errors };
  };
  const root = (method: string, path: string, params: Record<string, string | number> = {}) => {
    const res = request(rootAuth, method, path, params);
    if (res.status !== 200) throw new Error(`${res.status} ${res.reason} ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  /** A user with a token (privilege-separated unless told), and calls as that token. */
  const tokenOf = (userid: string, privsep = 1) => {
    if (!emulator.state.users[userid]) root('POST', '/access/users', { userid });
    const minted = root('POST', `/access/users/${userid}/token/tok`, { privsep }) as {
      'full-tokenid': string;
      value: string;
    };
    const auth = `PVEAPIToken=${minted['full-tokenid']}=${minted.value}`;
    return (method: string, path: string, params: Record<string, string | number> = {}) =>
      request(auth, method, path, params);
  };
  return { emulator, root, tokenOf };
}

describe('user-id permission checks (RPCEnvironment.pm userid-param/userid-group)', () => {
  it('GIVEN a token with no ACL WHEN it creates or deletes a user THEN 403 names the realm privilege, and nothing changes', () => {
    const { emulator, tokenOf } = setup();
    const mallory = tokenOf('mallory@pve');
    const created = mallory('POST', '/access/users', { userid: 'evil@pve', password: 'longenough' });
    expect(created.status).toBe(403);
    expect(created.reason).toBe('Permission check failed (/access/realm/pve, Realm.AllocateUser)');
    expect(emulator.state.users['evil@pve']).toBeUndefined();
    const deleted = mallory('DELETE', '/access/users/root@pam');
    expect(deleted.status).toBe(403);
    expect(emulator.state.users['root@pam']).toBeDefined();
  });

  it('GIVEN a token with no ACL WHEN it mints a root@pam token without privilege separation THEN 403 and no token exists', () => {
    const { emulator, tokenOf } = setup();
    const mallory = tokenOf('mallory@pve');
    const res = mallory('POST', '/access/users/root@pam/token/backdoor', { privsep: 0 });
    expect(res.status).toBe(403);
    expect(res.reason).toBe('Permission check failed');
    expect(emulator.state.tokens['root@pam!backdoor']).toBeUndefined();
  });

  it('GIVEN a token with no ACL WHEN it grants itself Administrator on / THEN 403 (perm-modify), and the ACL is unchanged', () => {
    const { emulator, tokenOf } = setup();
    const mallory = tokenOf('mallory@pve', 0);
    const before = emulator.state.acl.length;
    const res = mallory('PUT', '/access/acl', { path: '/', roles: 'Administrator', users: 'mallory@pve' });
    expect(res.status).toBe(403);
    expect(res.reason).toBe('Permission check failed (/, Permissions.Modify)');
    expect(emulator.state.acl).toHaveLength(before);
  });

  it('GIVEN VM.Allocate on a VM but no Permissions.Modify WHEN the caller hands out a role wider than its own THEN 400 as ACL.pm answers; a subset role is granted', () => {
    const { root, tokenOf } = setup();
    const vmAdmin = tokenOf('ops@pve', 0);
    root('PUT', '/access/acl', { path: '/vms/100', roles: 'PVEVMAdmin', users: 'ops@pve' });
    root('POST', '/access/users', { userid: 'friend@pve' });
    const wide = vmAdmin('PUT', '/access/acl', {
      path: '/vms/100',
      roles: 'Administrator',
      users: 'friend@pve',
    });
    expect(wide.status).toBe(400);
    expect(wide.errors).toEqual({
      role: "Cannot add role 'Administrator' - requires 'Permissions.Modify' or superset of privileges.",
    });
    const narrow = vmAdmin('PUT', '/access/acl', {
      path: '/vms/100',
      roles: 'PVEVMUser',
      users: 'friend@pve',
    });
    expect(narrow.status).toBe(200);
  });

  it('GIVEN a user token WHEN it manages its own tokens THEN "self" does not apply to a token (its id is the caller) and 403 answers', () => {
    const { emulator, tokenOf } = setup();
    const alice = tokenOf('alice@pve');
    expect(alice('GET', '/access/users/alice@pve/token').status).toBe(403);
    expect(emulator.state.tokens['alice@pve!tok']).toBeDefined();
  });

  it('GIVEN User.Modify on one group WHEN the caller edits users THEN only members of that group are reachable, and new users must go into it', () => {
    const { root, tokenOf, emulator } = setup();
    root('POST', '/access/groups', { groupid: 'customers' });
    root('POST', '/access/groups', { groupid: 'staff' });
    root('POST', '/access/users', { userid: 'cust1@pve', groups: 'customers' });
    root('POST', '/access/users', { userid: 'boss@pve', groups: 'staff' });
    const helpdesk = tokenOf('helpdesk@pve', 0);
    root('PUT', '/access/acl', {
      path: '/access/groups/customers',
      roles: 'PVEUserAdmin',
      users: 'helpdesk@pve',
    });
    root('PUT', '/access/acl', { path: '/access/realm/pve', roles: 'PVEUserAdmin', users: 'helpdesk@pve' });

    // As in User.pm/RPCEnvironment.pm: without User.Modify on /access/groups an update names its groups.
    expect(helpdesk('PUT', '/access/users/cust1@pve', { comment: 'ok' }).reason).toBe(
      'Permission check failed (/access/groups, User.Modify)',
    );
    expect(helpdesk('PUT', '/access/users/cust1@pve', { comment: 'ok', groups: 'customers' }).status).toBe(
      200,
    );
    expect(helpdesk('PUT', '/access/users/boss@pve', { comment: 'pwned', groups: 'customers' }).status).toBe(
      403,
    );
    expect(emulator.state.users['boss@pve']!.comment).toBeUndefined();
    // Moving a reachable user into a group the caller does not hold is refused by the group named.
    const move = helpdesk('PUT', '/access/users/cust1@pve', { groups: 'staff' });
    expect(move.reason).toBe('Permission check failed (/access/groups/staff, User.Modify)');
    const noGroup = helpdesk('POST', '/access/users', { userid: 'cust2@pve' });
    expect(noGroup.reason).toBe('Permission check failed (/access/groups, User.Modify)');
    expect(helpdesk('POST', '/access/users', { userid: 'cust2@pve', groups: 'customers' }).status).toBe(200);
    // The user list shows what the caller may see: its group's members, and never the others.
    const listed = (helpdesk('GET', '/access/users').data as Array<{ userid: string }>).map((u) => u.userid);
    expect(listed).toEqual(['cust1@pve', 'cust2@pve']);
    const groups = (helpdesk('GET', '/access/groups').data as Array<{ groupid: string }>).map(
      (g) => g.groupid,
    );
    expect(groups).toEqual(['customers']);
  });

  it('GIVEN root@pam\'s own token WHEN it calls a method the schema gives no permissions THEN 403 "user != root@pam": only the root user passes those', () => {
    const { emulator } = setup();
    const auth = `PVEAPIToken=root@pam!pvecdk=${emulator.state.tokens['root@pam!pvecdk']!.secret}`;
    const res = emulator.handle({
      method: 'GET',
      url: '/api2/json/cluster/backup-info',
      headers: { authorization: auth },
      body: '',
    });
    expect(res.status).toBe(403);
    expect(res.reason).toBe('Permission check failed (user != root@pam)');
  });
});
