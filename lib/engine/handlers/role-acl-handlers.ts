import type { PropertiesOf } from '../../contract/plan-type.ts';
import { aclType, roleType } from '../../contract/types/access.ts';
import type { AclChange, AclEntry } from '../../pve/api/access.ts';
import { EngineError } from '../engine-errors.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import { CREATE, defineHandler, propertyChange, sharedRead, updateOrNoOp } from './handler.ts';
import { atResource } from './handler-errors.ts';

const PRIVILEGE_HINT =
  'use privilege names your Proxmox VE version knows (Datacenter → Permissions → Roles lists them); PVE 8 has VM.Monitor, PVE 9 replaces it with VM.GuestAgent.*';

const ROLE_KEYS = proxmoxKeys({ role_id: 'roleid', privileges: 'privs' });
/** `PUT /access/acl` takes lists of roles and subjects. */
const ACL_KEYS = proxmoxKeys({ role_id: 'roles', user_id: 'users', group_id: 'groups', token_id: 'tokens' });

const privilegeSet = (list: readonly string[]) => [...new Set(list)].filter(Boolean).sort();

/**
 * `proxmox_virtual_environment_role`: a custom role and its privileges,
 * compared as sorted sets. A built-in role (PVEAuditor, Administrator…)
 * cannot be a role resource: Proxmox does not let it be changed.
 */
export const roleHandler = defineHandler({
  contract: roleType,
  proxmoxKey: (path) => ROLE_KEYS.apiOf(path),

  locks() {
    return ['access'];
  },

  async read(ctx, resource) {
    const id = resource.props.role_id;
    const roles = await sharedRead(ctx, 'access:roles', () => ctx.api.access.roles());
    const role = roles.find((r) => r.roleid === id);
    if (!role) return undefined;
    const privileges = privilegeSet((role.privs ?? '').split(','));
    return { attributes: { role_id: id }, live: { privileges, special: role.special === true } };
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    if (observed.live.special)
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${resource.path}: role '${resource.props.role_id}' is built into Proxmox and cannot be changed`,
        'give the role resource another roleId, or grant the built-in role by name in an ACL without a role resource',
      );
    const want = privilegeSet(resource.props.privileges);
    const have = observed.live.privileges as string[];
    return updateOrNoOp(
      want.join(',') === have.join(',') ? [] : [propertyChange('privileges', have, want, { api: 'privs' })],
    );
  },

  async apply(ctx, resource, planned) {
    const id = resource.props.role_id;
    const privileges = privilegeSet(resource.props.privileges);
    try {
      if (planned.action === 'create') await ctx.api.access.createRole(id, privileges);
      else await ctx.api.access.updateRole(id, privileges);
    } catch (e) {
      throw atResource(resource.path, e, PRIVILEGE_HINT);
    }
    return { role_id: id };
  },

  async delete(ctx, applied) {
    // Proxmox removes the ACL entries that grant the role with it.
    await ctx.api.access.deleteRole(String(applied.attributes.role_id));
  },

  requirements(resource, call) {
    const at = { roleid: resource.props.role_id };
    return [
      ...call('POST', '/access/roles', at),
      ...call('PUT', '/access/roles/{roleid}', at),
      ...call('DELETE', '/access/roles/{roleid}', at),
    ];
  },
});

/** Who an ACL entry grants to: exactly one of user_id, group_id, token_id is set. */
interface Subject {
  readonly type: AclEntry['type'];
  readonly ugid: string;
}

function subjectOf(p: PropertiesOf<typeof aclType>): Subject {
  if (p.user_id !== undefined) return { type: 'user', ugid: p.user_id };
  if (p.group_id !== undefined) return { type: 'group', ugid: p.group_id };
  return { type: 'token', ugid: p.token_id ?? '' };
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
export const aclHandler = defineHandler({
  contract: aclType,
  proxmoxKey: (path) => ACL_KEYS.apiOf(path),

  locks() {
    return ['access'];
  },

  async read(ctx, resource) {
    const p = resource.props;
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

  diff(resource, observed) {
    if (!observed) return CREATE;
    const want = resource.props.propagate;
    const have = observed.live.propagate as boolean;
    return updateOrNoOp(want === undefined || want === have ? [] : [propertyChange('propagate', have, want)]);
  },

  async apply(ctx, resource) {
    const p = resource.props;
    const subject = subjectOf(p);
    // Setting an existing entry again replaces its propagate flag.
    await ctx.api.access
      .setAcl({
        ...grant(p.path, p.role_id, subject),
        ...(p.propagate !== undefined ? { propagate: p.propagate } : {}),
      })
      .catch((e) => {
        throw atResource(
          resource.path,
          e,
          `check that role ${p.role_id} and ${subject.type} ${subject.ugid} exist (create them first, or depend on the stack that does)`,
        );
      });
    return { path: p.path, role_id: p.role_id, type: subject.type, ugid: subject.ugid };
  },

  async delete(ctx, applied) {
    const a = applied.attributes;
    const subject = { type: a.type as Subject['type'], ugid: String(a.ugid) };
    await ctx.api.access.setAcl({ ...grant(String(a.path), String(a.role_id), subject), delete: true });
  },

  requirements(resource, call) {
    return call('PUT', '/access/acl', { path: resource.props.path });
  },
});
