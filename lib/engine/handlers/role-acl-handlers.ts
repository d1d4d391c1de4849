import type { AclChange, AclEntry } from '../../pve/api/access.ts';
import { changesToPlan } from './access-handlers.ts';
import { type PlannedChange, type ResourceHandler, sharedRead } from './handler.ts';
import { atResource } from './handler-errors.ts';

type Props = Record<string, unknown>;

const CREATE: PlannedChange = { action: 'create', changes: [], destroysData: false };

const PRIVILEGE_HINT =
  'use privilege names your Proxmox VE version knows (Datacenter → Permissions → Roles lists them); PVE 8 has VM.Monitor, PVE 9 replaces it with VM.GuestAgent.*';

const privilegeSet = (list: readonly string[]) => [...new Set(list)].filter(Boolean).sort();

/**
 * `proxmox_virtual_environment_role`: a custom role and its privileges,
 * compared as sorted sets. A built-in role (PVEAuditor, Administrator…)
 * cannot be a role resource: Proxmox does not let it be changed.
 */
export const roleHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_role',

  locks() {
    return ['access'];
  },

  async read(ctx, resource) {
    const id = String(resource.properties.role_id);
    const roles = await sharedRead(ctx, 'access:roles', () => ctx.api.access.roles());
    const role = roles.find((r) => r.roleid === id);
    if (!role) return undefined;
    const privileges = privilegeSet((role.privs ?? '').split(','));
    return { attributes: { role_id: id }, live: { privileges, special: role.special === true } };
  },

  plan(resource, observed) {
    if (!observed) return CREATE;
    if (observed.live.special)
      throw new Error(
        `${resource.path}: role '${String(resource.properties.role_id)}' is built into Proxmox and cannot be changed; give the role resource another role_id, or grant the built-in role by name in an ACL without a role resource`,
      );
    const want = privilegeSet((resource.properties.privileges as string[]).map(String));
    const have = observed.live.privileges as string[];
    return changesToPlan(
      want.join(',') === have.join(',')
        ? []
        : [{ key: 'privileges', from: have, to: want, forcesReplacement: false }],
    );
  },

  async apply(ctx, resource, change) {
    const id = String(resource.properties.role_id);
    const privileges = privilegeSet((resource.properties.privileges as string[]).map(String));
    try {
      if (change.action === 'create') await ctx.api.access.createRole(id, privileges);
      else await ctx.api.access.updateRole(id, privileges);
    } catch (e) {
      throw atResource(resource.path, e, PRIVILEGE_HINT);
    }
    return { role_id: id };
  },

  async delete(ctx, attributes) {
    // Proxmox removes the ACL entries that grant the role with it.
    await ctx.api.access.deleteRole(String(attributes.role_id));
  },
};

/** Who an ACL entry grants to: exactly one of user_id, group_id, token_id is set. */
interface Subject {
  readonly type: AclEntry['type'];
  readonly ugid: string;
}

function subjectOf(p: Props): Subject {
  if (p.user_id !== undefined) return { type: 'user', ugid: String(p.user_id) };
  if (p.group_id !== undefined) return { type: 'group', ugid: String(p.group_id) };
  return { type: 'token', ugid: String(p.token_id) };
}

/** Groups are listed without the `@` that marks them in user.cfg; accept both. */
const bareGroup = (s: Subject) => (s.type === 'group' ? s.ugid.replace(/^@/, '') : s.ugid);

function grant(path: string, roleId: string, s: Subject): Omit<AclChange, 'propagate' | 'delete'> {
  const ugid = bareGroup(s);
  const who =
    s.type === 'user' ? { users: [ugid] } : s.type === 'group' ? { groups: [ugid] } : { tokens: [ugid] };
  return { path, roles: [roleId], ...who };
}

/**
 * `proxmox_virtual_environment_acl`: one role granted on one path to one
 * user, group or token. Path, subject and role are what the entry is, so
 * they are how it is found; `propagate` changes in place.
 */
export const aclHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_acl',

  locks() {
    return ['access'];
  },

  async read(ctx, resource) {
    const p = resource.properties;
    const subject = subjectOf(p);
    const acl = await sharedRead(ctx, 'access:acl', () => ctx.api.access.acl());
    const entry = acl.find(
      (a) =>
        a.path === p.path &&
        a.roleid === p.role_id &&
        a.type === subject.type &&
        bareGroup({ type: a.type, ugid: a.ugid }) === bareGroup(subject),
    );
    if (!entry) return undefined;
    return {
      attributes: { path: entry.path, role_id: entry.roleid, type: subject.type, ugid: subject.ugid },
      live: { ...entry },
    };
  },

  plan(resource, observed) {
    if (!observed) return CREATE;
    const want = resource.properties.propagate;
    const have = observed.live.propagate as boolean;
    return changesToPlan(
      want === undefined || want === have
        ? []
        : [{ key: 'propagate', from: have, to: want, forcesReplacement: false }],
    );
  },

  async apply(ctx, resource) {
    const p = resource.properties;
    const subject = subjectOf(p);
    // Setting an existing entry again replaces its propagate flag.
    await ctx.api.access
      .setAcl({
        ...grant(String(p.path), String(p.role_id), subject),
        ...(p.propagate !== undefined ? { propagate: p.propagate === true } : {}),
      })
      .catch((e) => {
        throw atResource(
          resource.path,
          e,
          `check that role ${String(p.role_id)} and ${subject.type} ${subject.ugid} exist (create them first, or depend on the stack that does)`,
        );
      });
    return { path: String(p.path), role_id: String(p.role_id), type: subject.type, ugid: subject.ugid };
  },

  async delete(ctx, attributes) {
    const subject = { type: attributes.type as Subject['type'], ugid: String(attributes.ugid) };
    await ctx.api.access.setAcl({
      ...grant(String(attributes.path), String(attributes.role_id), subject),
      delete: true,
    });
  },
};
