import { randomUUID } from 'node:crypto';
import { dieError } from '../emulator-error.ts';
import type { HandlerTable } from '../handler.ts';
import { BUILTIN_ROLES } from '../privileges.ts';

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

/** Users, API tokens, roles and ACLs. A token's secret is shown once, at creation, as in Proxmox. */
export const accessAdminHandlers: HandlerTable = [
  [
    'GET',
    '/access/users',
    (ctx) =>
      Object.entries(ctx.state.users).map(([userid, u]) => ({
        userid,
        enable: u.enable,
        ...(u.comment ? { comment: u.comment } : {}),
      })),
  ],
  [
    'POST',
    '/access/users',
    (ctx) => {
      const id = String(ctx.params.userid);
      if (ctx.state.users[id]) throw dieError(`create user failed: user '${id}' already exists`);
      ctx.state.users[id] = {
        enable: ctx.params.enable === 0 ? 0 : 1,
        ...(ctx.params.password !== undefined ? { password: String(ctx.params.password) } : {}),
        ...(ctx.params.comment !== undefined ? { comment: String(ctx.params.comment) } : {}),
      };
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/access/users/{userid}',
    (ctx) => {
      const u = ctx.state.users[String(ctx.params.userid)];
      if (!u) throw dieError(`no such user ('${String(ctx.params.userid)}')`);
      return { enable: u.enable, ...(u.comment ? { comment: u.comment } : {}) };
    },
  ],
  [
    'DELETE',
    '/access/users/{userid}',
    (ctx) => {
      const id = String(ctx.params.userid);
      if (!ctx.state.users[id]) throw dieError(`delete user failed: no such user '${id}'`);
      delete ctx.state.users[id];
      for (const t of Object.keys(ctx.state.tokens)) if (t.startsWith(`${id}!`)) delete ctx.state.tokens[t];
      ctx.state.acl = ctx.state.acl.filter((a) => a.ugid !== id && !a.ugid.startsWith(`${id}!`));
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/access/users/{userid}/token',
    (ctx) =>
      Object.entries(ctx.state.tokens)
        .filter(([id]) => id.startsWith(`${String(ctx.params.userid)}!`))
        .map(([id, t]) => ({
          tokenid: id.split('!')[1],
          privsep: t.privsep,
          ...(t.comment ? { comment: t.comment } : {}),
        })),
  ],
  [
    'POST',
    '/access/users/{userid}/token/{tokenid}',
    (ctx) => {
      const user = String(ctx.params.userid);
      if (!ctx.state.users[user]) throw dieError(`no such user ('${user}')`);
      const full = `${user}!${String(ctx.params.tokenid)}`;
      if (ctx.state.tokens[full]) throw dieError(`Token already exists.`);
      const secret = randomUUID();
      ctx.state.tokens[full] = {
        secret,
        privsep: ctx.params.privsep === 0 ? 0 : 1,
        ...(ctx.params.comment ? { comment: String(ctx.params.comment) } : {}),
      };
      ctx.changed();
      return { 'full-tokenid': full, info: { privsep: ctx.state.tokens[full].privsep }, value: secret };
    },
  ],
  [
    'DELETE',
    '/access/users/{userid}/token/{tokenid}',
    (ctx) => {
      const full = `${String(ctx.params.userid)}!${String(ctx.params.tokenid)}`;
      if (!ctx.state.tokens[full])
        throw dieError(
          `no such token '${String(ctx.params.tokenid)}' for user '${String(ctx.params.userid)}'`,
        );
      delete ctx.state.tokens[full];
      ctx.state.acl = ctx.state.acl.filter((a) => a.ugid !== full);
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/access/roles',
    (ctx) =>
      Object.entries({ ...BUILTIN_ROLES, ...ctx.state.roles }).map(([roleid, privs]) => ({
        roleid,
        privs: [...privs].sort().join(','),
        ...(BUILTIN_ROLES[roleid] ? { special: 1 } : {}),
      })),
  ],
  [
    'POST',
    '/access/roles',
    (ctx) => {
      const id = String(ctx.params.roleid);
      if (BUILTIN_ROLES[id] || ctx.state.roles[id]) throw dieError(`role '${id}' already exists`);
      const privs = list(ctx.params.privs);
      const unknown = privs.filter((p) => !BUILTIN_ROLES.Administrator!.includes(p));
      if (unknown.length) throw dieError(`invalid privilege '${unknown[0]}'`);
      ctx.state.roles[id] = privs;
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/access/acl',
    (ctx) =>
      ctx.state.acl.map((a) => ({
        path: a.path,
        ugid: a.ugid,
        roleid: a.roleid,
        propagate: a.propagate ? 1 : 0,
        type: a.ugid.includes('!') ? 'token' : a.ugid.startsWith('@') ? 'group' : 'user',
      })),
  ],
  [
    'PUT',
    '/access/acl',
    (ctx) => {
      const subjects = [
        ...list(ctx.params.users),
        ...list(ctx.params.tokens),
        ...list(ctx.params.groups).map((g) => `@${g}`),
      ];
      for (const role of list(ctx.params.roles)) {
        if (!BUILTIN_ROLES[role] && !ctx.state.roles[role]) throw dieError(`role '${role}' does not exist`);
        for (const ugid of subjects) {
          if (!ugid.startsWith('@') && !ctx.state.users[ugid.split('!')[0]!])
            throw dieError(`user '${ugid}' does not exist`);
          ctx.state.acl = ctx.state.acl.filter(
            (a) => !(a.path === ctx.params.path && a.ugid === ugid && a.roleid === role),
          );
          if (!ctx.params.delete)
            ctx.state.acl.push({
              path: String(ctx.params.path),
              ugid,
              roleid: role,
              propagate: ctx.params.propagate !== 0,
            });
        }
      }
      ctx.changed();
      return null;
    },
  ],
];
