import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { BUILTIN_ROLES, PVE8_PRIVILEGES } from '../privileges.ts';

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
 * next to the create and list ones of access-admin.ts. Users keep `enable`
 * and `comment` only (as creation does); other fields are accepted and not kept.
 */
export const accessChangeHandlers: HandlerTable = [
  [
    'PUT',
    '/access/users/{userid}',
    (ctx) => {
      const u = user(ctx);
      if (ctx.params.enable !== undefined) u.enable = ctx.params.enable === 0 ? 0 : 1;
      if (ctx.params.comment !== undefined) u.comment = String(ctx.params.comment);
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
      if (ctx.params.comment !== undefined) token.comment = String(ctx.params.comment);
      ctx.changed();
      return { privsep: token.privsep, ...(token.comment ? { comment: token.comment } : {}) };
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
