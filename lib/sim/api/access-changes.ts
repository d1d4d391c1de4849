import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { BUILTIN_ROLES, PVE8_PRIVILEGES } from '../privileges.ts';
import { USER_FIELDS } from './access-admin.ts';
import { setUserGroups } from './access-groups.ts';

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

function user(ctx: EmulatorContext) {
  const id = String(ctx.params.userid);
  const u = ctx.state.users[id];
  if (!u) throw dieError(`no such user ('${id}')`);
  return u;
}

/** A custom role by id; built-in roles are refused as Proxmox does (texts unverified). */
function customRole(ctx: EmulatorContext, verb: 'modified' | 'deleted'): string {
  const id = String(ctx.params.roleid);
  if (BUILTIN_ROLES[id]) throw dieError(`auto-generated role '${id}' cannot be ${verb}`);
  if (!ctx.state.roles[id]) throw dieError(`role '${id}' does not exist`);
  return id;
}

/**
 * Changing users, tokens and roles in place: the PUT and DELETE endpoints
 * next to the create and list ones of access-admin.ts.
 */
export const accessChangeHandlers: HandlerTable = [
  [
    'PUT',
    '/access/users/{userid}',
    (ctx) => {
      const u = user(ctx);
      // Groups first: an unknown group fails the update before anything changes.
      if (ctx.params.groups !== undefined)
        try {
          setUserGroups(ctx.state, String(ctx.params.userid), ctx.params.groups, ctx.params.append === 1);
        } catch (e) {
          throw dieError(`update user failed: ${(e as Error).message}`);
        }
      if (ctx.params.enable !== undefined) u.enable = ctx.params.enable === 0 ? 0 : 1;
      for (const k of USER_FIELDS)
        if (ctx.params[k] !== undefined) (u as unknown as Record<string, unknown>)[k] = ctx.params[k];
      ctx.changed();
      return null;
    },
  ],
  [
    'PUT',
    '/access/users/{userid}/token/{tokenid}',
    (ctx) => {
      user(ctx);
      const tokenid = String(ctx.params.tokenid);
      const token = ctx.state.tokens[`${String(ctx.params.userid)}!${tokenid}`];
      if (!token) throw dieError(`no such token '${tokenid}' for user '${String(ctx.params.userid)}'`);
      if (ctx.params.privsep !== undefined) token.privsep = ctx.params.privsep === 0 ? 0 : 1;
      if (ctx.params.expire !== undefined) token.expire = Number(ctx.params.expire);
      if (ctx.params.comment !== undefined) token.comment = String(ctx.params.comment);
      ctx.changed();
      const { secret: _s, ...info } = token;
      return info;
    },
  ],
  [
    'PUT',
    '/access/roles/{roleid}',
    (ctx) => {
      const id = customRole(ctx, 'modified');
      const privs = list(ctx.params.privs);
      const unknown = privs.filter((p) => !(PVE8_PRIVILEGES as readonly string[]).includes(p));
      if (unknown.length) throw dieError(`invalid privilege '${unknown[0]}'`);
      const before = ctx.params.append ? ctx.state.roles[id]! : [];
      ctx.state.roles[id] = [...new Set([...before, ...privs])];
      ctx.changed();
      return null;
    },
  ],
  [
    'DELETE',
    '/access/roles/{roleid}',
    (ctx) => {
      const id = customRole(ctx, 'deleted');
      delete ctx.state.roles[id];
      // Proxmox drops the grants of a deleted role with it.
      ctx.state.acl = ctx.state.acl.filter((a) => a.roleid !== id);
      ctx.changed();
      return null;
    },
  ],
];
