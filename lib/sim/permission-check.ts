import { effectivePrivileges } from './acl.ts';
import type { EmulatorAuth } from './auth.ts';
import { dieError, EmulatorHttpError } from './emulator-error.ts';
import type { SchemaMethod } from './schema-index.ts';
import type { EmulatorState } from './state.ts';

/** Proxmox's raise_perm_exc: 403 "Permission check failed", with what failed when it says. */
export const permissionDenied = (what?: string) =>
  new EmulatorHttpError(403, `Permission check failed${what ? ` (${what})` : ''}`);

/**
 * The caller as Proxmox's permission code names it: a token's id
 * (`user@realm!name`) is the user of a token request (pve-manager
 * HTTPServer.pm), so a token is never `root@pam` and never "self" of its user.
 */
export function callerName(auth: EmulatorAuth): string {
  return auth.tokenid ?? auth.userid;
}

/** Privilege checks of one caller against the cluster's ACL (RPCEnvironment.pm check/check_any). */
export class PermissionChecker {
  constructor(
    private readonly auth: EmulatorAuth,
    readonly state: EmulatorState,
  ) {}

  privileges(path: string): Set<string> {
    const model = { acl: this.state.acl, roles: this.state.roles, groups: this.state.groups };
    return effectivePrivileges(model, this.auth.userid, this.auth.tokenid, this.auth.privsep, path);
  }

  /** All of `privs` on `path`; the failure names the first one missing. */
  all(path: string, privs: readonly string[]): string | undefined {
    const have = this.privileges(path);
    const missing = privs.find((p) => !have.has(p));
    return missing === undefined ? undefined : `${path}, ${missing}`;
  }

  /** Any of `privs` on `path`. */
  any(path: string, privs: readonly string[]): string | undefined {
    const have = this.privileges(path);
    return privs.some((p) => have.has(p)) ? undefined : `${path}, ${privs.join('|')}`;
  }

  /**
   * check_perm_modify: Permissions.Modify on the ACL path, or the allocate
   * privilege of what the path names (a VM, a storage, a pool).
   */
  permModify(path: string): string | undefined {
    const privs = ['Permissions.Modify'];
    if (/^\/storage\/.+$/.test(path)) privs.push('Datastore.Allocate');
    else if (/^\/vms\/.+$/.test(path)) privs.push('VM.Allocate');
    else if (/^\/pool\/.+$/.test(path)) privs.push('Pool.Allocate');
    return this.any(path, privs);
  }

  /** The groups the caller holds any of `privs` on (filter_groups). */
  groupsWith(privs: readonly string[]): string[] {
    return Object.keys(this.state.groups).filter((g) => this.any(`/access/groups/${g}`, privs) === undefined);
  }

  /** Whether `userid` is a member of one of the groups the caller holds any of `privs` on (group_member_join). */
  reachesUser(userid: string, privs: readonly string[]): boolean {
    if (this.any('/access/groups', privs) === undefined) return true;
    return this.groupsWith(privs).some((g) => this.state.groups[g]!.includes(userid));
  }
}

/** A failed check: the text raise_perm_exc is given (empty when Proxmox gives none). */
class CheckFailed {
  constructor(readonly what: string) {}
}

const splitList = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

/**
 * Evaluates a method's permissions from the schema as RPCEnvironment.pm's
 * check_api2_permissions and exec_api2_perm_check do: `root@pam` (the user,
 * not its tokens) passes everything; `user: all` passes any authenticated
 * caller (the handler filters); a method without a check is root@pam's only;
 * then `perm`, `and`, `or`, `userid-param` (self, Realm.AllocateUser) and
 * `userid-group` (privileges on /access/groups or on a group of the user).
 * Throws Proxmox's 403 naming the path and privilege that failed.
 */
export function checkPermission(
  method: SchemaMethod,
  auth: EmulatorAuth,
  state: EmulatorState,
  params: Record<string, unknown>,
): void {
  const username = callerName(auth);
  if (username === 'root@pam') return;
  const perms = method.permissions;
  if (!perms) throw permissionDenied('user != root@pam');
  if (perms.user === 'all') return;
  if (!perms.check) throw permissionDenied();
  const checker = new PermissionChecker(auth, state);

  // Returns whether the check passes; `fatal` turns a failure into CheckFailed, as Proxmox's
  // `$noerr` unset does (an `or` asks its branches with noerr, then fails without a text).
  const evaluate = (check: readonly unknown[], fatal: boolean): boolean => {
    const fail = (what: string): false => {
      if (fatal) throw new CheckFailed(what);
      return false;
    };
    const [kind, ...rest] = check;
    if (kind === 'and') {
      for (const sub of rest as unknown[][]) if (!evaluate(sub, fatal)) return false;
      return true;
    }
    if (kind === 'or') {
      for (const sub of rest as unknown[][]) if (evaluate(sub, false)) return true;
      return fail('');
    }
    if (kind === 'perm') {
      const [rawPath, privs, ...options] = rest as [string, string[], ...unknown[]];
      const opts = optionMap(options);
      if (opts.require_param !== undefined && params[String(opts.require_param)] === undefined)
        return fail('');
      const path = rawPath.replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? ''));
      const failure = opts.any ? checker.any(path, privs) : checker.all(path, privs);
      return failure === undefined ? true : fail(failure);
    }
    if (kind === 'userid-param') return useridParam(String(rest[0]), params, username, checker, fail, fatal);
    if (kind === 'userid-group') {
      const [privs, ...options] = rest as [string[], ...unknown[]];
      return useridGroup(privs, optionMap(options), params, state, checker, fail, fatal);
    }
    if (kind === 'perm-modify') {
      const path = String(rest[0]).replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? ''));
      const failure = checker.permModify(path);
      return failure === undefined ? true : fail(failure);
    }
    throw dieError(`unknown permission test`);
  };

  try {
    evaluate(perms.check, true);
  } catch (e) {
    if (e instanceof CheckFailed) throw permissionDenied(e.what);
    throw e;
  }
}

/** `['perm', path, privs, 'any', 1]`: the options after the privileges, as a map. */
function optionMap(options: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < options.length; i += 2) out[String(options[i])] = options[i + 1];
  return out;
}

function userExists(state: EmulatorState, userid: string, fatal: boolean): boolean {
  if (state.users[userid]) return true;
  if (fatal) throw dieError(`no such user ('${userid}')`);
  return false;
}

/** `userid-param`: the caller is the user itself (`self`), or holds Realm.AllocateUser on its realm. */
function useridParam(
  subtest: string,
  params: Record<string, unknown>,
  username: string,
  checker: PermissionChecker,
  fail: (what: string) => false,
  fatal: boolean,
): boolean {
  const userid = String(params.userid ?? '');
  if (subtest === 'self') {
    if (!userExists(checker.state, userid, fatal)) return false;
    return username === userid ? true : fail('');
  }
  const realm = userid.slice(userid.lastIndexOf('@') + 1);
  const failure = checker.all(`/access/realm/${realm}`, ['Realm.AllocateUser']);
  return failure === undefined ? true : fail(failure);
}

/**
 * `userid-group`: privileges on /access/groups reach every user; otherwise
 * the groups a create or update names must all be the caller's, and an
 * existing user must be in one of the caller's groups.
 */
function useridGroup(
  privs: readonly string[],
  options: Record<string, unknown>,
  params: Record<string, unknown>,
  state: EmulatorState,
  checker: PermissionChecker,
  fail: (what: string) => false,
  fatal: boolean,
): boolean {
  const userid = String(params.userid ?? '');
  const groupsParam = options.groups_param as string | undefined;
  const existing = groupsParam !== 'create';
  if (existing && !userExists(state, userid, fatal)) return false;
  if (checker.any('/access/groups', privs) === undefined) return true;
  const mine = new Set(checker.groupsWith(privs));
  if (groupsParam) {
    const named = splitList(params.groups);
    if (named.length === 0) return fail(`/access/groups, ${privs.join('|')}`);
    for (const g of named) if (!mine.has(g)) return fail(`/access/groups/${g}, ${privs.join('|')}`);
  }
  if (existing && ![...mine].some((g) => state.groups[g]!.includes(userid))) return fail('');
  return true;
}
