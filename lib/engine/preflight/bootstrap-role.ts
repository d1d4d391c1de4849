import { type PveMajor, unknownPrivileges } from '../../pve/privileges.ts';
import { BUG_HINT, EngineError } from '../engine-errors.ts';
import type { RequiredPrivileges } from './required-privileges.ts';

/**
 * The least-privilege grant for a deploy token: one custom role with the
 * privileges the plans need, granted on as few and as narrow ACL paths as
 * stay valid while the stacks grow. Privileges that hand out access
 * (Permissions.Modify and the user-management ones, only needed when a plan
 * manages users, tokens or ACLs) go into a second role, granted only where
 * needed: in the main role they would reach every path it is granted on.
 */
export interface BootstrapOptions {
  /** Default `PvecdkDeploy`. */
  readonly roleId?: string;
  /** Default `pvecdk@pve`. */
  readonly userId?: string;
  /** The token's name under the user. Default `deploy`. */
  readonly tokenName?: string;
}

export interface BootstrapRole {
  readonly id: string;
  readonly privileges: readonly string[];
}

export interface BootstrapAcl {
  readonly path: string;
  readonly roles: readonly string[];
  readonly propagate: boolean;
  /** What the deploy needs at or below this path (why it is granted). */
  readonly privileges: readonly string[];
  readonly neededFor: readonly string[];
}

export interface BootstrapGrant {
  readonly pveVersion: PveMajor;
  readonly userId: string;
  /** `user@realm!name`. */
  readonly tokenId: string;
  readonly roles: readonly BootstrapRole[];
  /** Each path is granted to the user and to the token: a privilege-separated token has only what both have. */
  readonly acls: readonly BootstrapAcl[];
}

const ACCESS_PRIVILEGES = new Set([
  'Permissions.Modify',
  'User.Modify',
  'Group.Allocate',
  'Realm.Allocate',
  'Realm.AllocateUser',
]);

/**
 * Where a required path is granted: VM privileges on `/vms` (VMs come and go
 * with customers; a grant per VM would need a new ACL for each), a VLAN's on
 * its bridge (which covers every tag), everything else on its own path.
 */
function aclPathOf(path: string): string {
  if (/^\/vms\/\d+$/.test(path)) return '/vms';
  const vlan = /^(\/sdn\/zones\/[^/]+\/[^/]+)\/\d+$/.exec(path);
  return vlan ? vlan[1]! : path;
}

/** `/` and `/access` are granted without propagation: below them lies everything, or user management. */
const propagates = (path: string) => path !== '/' && path !== '/access';

/** The role(s) and ACLs that grant exactly what `required` lists (the primary path of each requirement). */
export function bootstrapGrant(required: RequiredPrivileges, options: BootstrapOptions = {}): BootstrapGrant {
  const roleId = options.roleId ?? 'PvecdkDeploy';
  const userId = options.userId ?? 'pvecdk@pve';
  const tokenId = `${userId}!${options.tokenName ?? 'deploy'}`;
  const unknown = unknownPrivileges(
    required.privileges.map((r) => r.privilege),
    required.major,
  );
  if (unknown.length)
    throw new EngineError(
      'ENGINE_INTERNAL',
      `Proxmox VE ${required.major} has no privilege ${unknown.join(', ')}; pvecdk asked for it by mistake`,
      BUG_HINT,
    );

  const byPath = new Map<string, { privileges: Set<string>; neededFor: Set<string> }>();
  for (const r of required.privileges) {
    const path = aclPathOf(r.path);
    const entry = byPath.get(path) ?? { privileges: new Set<string>(), neededFor: new Set<string>() };
    entry.privileges.add(r.privilege);
    for (const n of r.neededFor) entry.neededFor.add(n);
    byPath.set(path, entry);
  }
  const all = [...new Set(required.privileges.map((r) => r.privilege))].sort();
  const main = all.filter((p) => !ACCESS_PRIVILEGES.has(p));
  const access = all.filter((p) => ACCESS_PRIVILEGES.has(p));
  const accessRoleId = `${roleId}Access`;
  const roles = [
    ...(main.length ? [{ id: roleId, privileges: main }] : []),
    ...(access.length ? [{ id: accessRoleId, privileges: access }] : []),
  ];
  const acls = [...byPath.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, entry]) => {
      const privileges = [...entry.privileges].sort();
      return {
        path,
        roles: [
          ...(privileges.some((p) => !ACCESS_PRIVILEGES.has(p)) ? [roleId] : []),
          ...(privileges.some((p) => ACCESS_PRIVILEGES.has(p)) ? [accessRoleId] : []),
        ],
        propagate: propagates(path),
        privileges,
        neededFor: [...entry.neededFor].sort(),
      };
    });
  return { pveVersion: required.major, userId, tokenId, roles, acls };
}

/** Single-quotes a shell word when it holds anything beyond plain characters (`!` in token ids). */
const shell = (word: string) => (/^[\w@.,/:=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The `pveum` commands that create the role(s), the user, its privilege-separated token and the ACLs. */
export function pveumCommands(grant: BootstrapGrant): string[] {
  const [user, token] = [shell(grant.userId), grant.tokenId.split('!')[1]!];
  return [
    ...grant.roles.map((r) => `pveum role add ${r.id} --privs "${r.privileges.join(',')}"`),
    `pveum user add ${user} --comment "pvecdk deploy"`,
    `pveum user token add ${user} ${shell(token)} --privsep 1 --comment "pvecdk deploy"`,
    ...grant.acls.map(
      (a) =>
        `pveum acl modify ${shell(a.path)} --roles ${a.roles.join(',')} --users ${user} ` +
        `--tokens ${shell(grant.tokenId)} --propagate ${a.propagate ? 1 : 0}`,
    ),
  ];
}

/** The commands as a script a person can read: what each ACL is for, then the command. */
export function renderBootstrapScript(grant: BootstrapGrant, title: string): string {
  const commands = pveumCommands(grant);
  const setup = commands.slice(0, grant.roles.length + 2);
  const acls = commands.slice(grant.roles.length + 2);
  return [
    `# ${title}`,
    `# Run on a Proxmox VE ${grant.pveVersion} node as root. The token's secret is printed once, by "token add".`,
    '# The user gets the same ACLs as the token: a privilege-separated token has only what both are granted.',
    '# If the role exists already, use "pveum role modify" with the same --privs.',
    ...setup,
    ...grant.acls.flatMap((a, i) => [`# ${a.path}: ${a.privileges.join(', ')}`, acls[i]!]),
  ].join('\n');
}

/** The grant as JSON-ready data, with the commands. */
export function bootstrapJson(grant: BootstrapGrant) {
  return {
    pveVersion: grant.pveVersion,
    user: grant.userId,
    token: grant.tokenId,
    privsep: true,
    roles: grant.roles,
    acl: grant.acls.map((a) => ({
      path: a.path,
      roles: a.roles,
      propagate: a.propagate,
      users: [grant.userId],
      tokens: [grant.tokenId],
      privileges: a.privileges,
      neededFor: a.neededFor,
    })),
    commands: pveumCommands(grant),
  };
}
