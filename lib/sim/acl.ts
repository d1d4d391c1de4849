import { BUILTIN_ROLES, PVE8_PRIVILEGES } from './privileges.ts';

export interface AclEntry {
  readonly path: string;
  /** `user@realm`, `user@realm!token`, or `@group`. */
  readonly ugid: string;
  readonly roleid: string;
  readonly propagate: boolean;
}

export interface AccessModel {
  readonly acl: readonly AclEntry[];
  readonly roles: Readonly<Record<string, readonly string[]>>;
  readonly groups: Readonly<Record<string, readonly string[]>>;
}

/** The ACL paths that apply to `path`: itself, then each ancestor up to `/`. */
function pathChain(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const chain: string[] = [];
  for (let i = parts.length; i >= 0; i--) chain.push(`/${parts.slice(0, i).join('/')}`);
  return chain;
}

function privilegesFor(model: AccessModel, subjects: readonly string[], path: string): Set<string> {
  const roles = { ...BUILTIN_ROLES, ...model.roles };
  // The most specific path that mentions a subject wins, as in PVE.
  for (const [depth, p] of pathChain(path).entries()) {
    const entries = model.acl.filter(
      (e) => e.path === p && subjects.includes(e.ugid) && (depth === 0 || e.propagate),
    );
    if (entries.length) return new Set(entries.flatMap((e) => roles[e.roleid] ?? []));
  }
  return new Set();
}

/**
 * The privileges `auth` has on `path`. root@pam has all; a privilege-
 * separated token has what both its user and the token itself are granted.
 */
export function effectivePrivileges(
  model: AccessModel,
  userid: string,
  tokenid: string | undefined,
  privsep: boolean,
  path: string,
): Set<string> {
  if (userid === 'root@pam' && (!tokenid || !privsep)) return new Set(PVE8_PRIVILEGES);
  const groups = Object.entries(model.groups)
    .filter(([, members]) => members.includes(userid))
    .map(([g]) => `@${g}`);
  const user =
    userid === 'root@pam'
      ? new Set<string>(PVE8_PRIVILEGES)
      : privilegesFor(model, [userid, ...groups], path);
  if (!tokenid || !privsep) return user;
  const token = privilegesFor(model, [tokenid], path);
  return new Set([...user].filter((p) => token.has(p)));
}
