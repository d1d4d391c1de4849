import { randomUUID } from 'node:crypto';
import { dieError, paramError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { PermissionChecker } from '../permission-check.ts';
import { BUILTIN_ROLES } from '../privileges.ts';
import { forgetUserPassword, setUserPassword } from '../shadow.ts';
import type { EmulatorUser } from '../state.ts';
import { groupsOf, removeFromGroups, setUserGroups } from './access-groups.ts';

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

/** The user.cfg fields of a user that the API lists (pve-access-control User.pm `extract_user_data`). */
export const USER_FIELDS = ['expire', 'firstname', 'lastname', 'email', 'comment', 'keys'] as const;

/** A user as the API shows it; `full` adds the groups it is in (and its tokens). */
function userData(ctx: EmulatorContext, userid: string, u: EmulatorUser, full: boolean) {
  // user.cfg always has an expire column: parse_user_config reads an empty one as 0.
  const out: Record<string, unknown> = { enable: u.enable, expire: 0 };
  for (const k of USER_FIELDS) if (u[k] !== undefined) out[k] = u[k];
  if (!full) return out;
  // By token id, as user.cfg keeps them; the list turns them into an array.
  const tokens = Object.fromEntries(
    Object.entries(ctx.state.tokens)
      .filter(([id]) => id.startsWith(`${userid}!`))
      .map(([id, { secret: _s, ...info }]) => [id.split('!')[1]!, { expire: 0, ...info }]),
  );
  return { ...out, groups: groupsOf(ctx.state, userid), tokens };
}

/** Users, API tokens, roles and ACLs. A token's secret is shown once, at creation, as in Proxmox. */
export const accessAdminHandlers: HandlerTable = [
  [
    'GET',
    '/access/users',
    // User.pm index: only the users the caller may see (User.Modify or Sys.Audit on
    // /access/groups or on a group of the user), and always the caller itself.
    (ctx) => {
      const checker = new PermissionChecker(ctx.auth, ctx.state);
      const visible = (userid: string) =>
        userid === ctx.actor || checker.reachesUser(userid, ['User.Modify', 'Sys.Audit']);
      return Object.entries(ctx.state.users)
        .filter(
          ([userid, u]) =>
            visible(userid) &&
            (ctx.params.enabled === undefined || Boolean(u.enable) === (ctx.params.enabled === 1)),
        )
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([userid, u]) => {
          const data = userData(ctx, userid, u, ctx.params.full === 1);
          if (ctx.params.full !== 1) return { ...data, userid };
          // With `full`, the list joins the groups into one string and lists the tokens.
          const groups = (data.groups as string[]).join(',');
          const tokens = Object.entries(data.tokens as Record<string, object>).map(([tokenid, t]) => ({
            tokenid,
            ...t,
          }));
          return { ...data, groups: groups || undefined, tokens, userid };
        });
    },
  ],
  [
    'POST',
    '/access/users',
    (ctx) => {
      const id = String(ctx.params.userid);
      if (ctx.state.users[id]) throw dieError(`create user failed: user '${id}' already exists`);
      const user: EmulatorUser = {
        enable: ctx.params.enable === 0 ? 0 : 1,
      };
      // Proxmox keeps only the fields given non-empty at creation.
      for (const k of USER_FIELDS) {
        const v = ctx.params[k];
        if (v !== undefined && v !== '' && v !== 0) (user as unknown as Record<string, unknown>)[k] = v;
      }
      try {
        setUserGroups(ctx.state, id, ctx.params.groups, true);
      } catch (e) {
        throw dieError(`create user failed: ${(e as Error).message}`);
      }
      ctx.state.users[id] = user;
      // domain_set_password: into the shadow, hashed.
      if (ctx.params.password !== undefined) setUserPassword(ctx.state, id, String(ctx.params.password));
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/access/users/{userid}',
    (ctx) => {
      const id = String(ctx.params.userid);
      const u = ctx.state.users[id];
      if (!u) throw dieError(`no such user ('${id}')`);
      return userData(ctx, id, u, true);
    },
  ],
  [
    'DELETE',
    '/access/users/{userid}',
    (ctx) => {
      const id = String(ctx.params.userid);
      if (!ctx.state.users[id]) throw dieError(`delete user failed: no such user '${id}'`);
      delete ctx.state.users[id];
      forgetUserPassword(ctx.state, id);
      removeFromGroups(ctx.state, id);
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
          expire: t.expire ?? 0,
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
        ...(ctx.params.expire !== undefined ? { expire: Number(ctx.params.expire) } : {}),
        ...(ctx.params.comment ? { comment: String(ctx.params.comment) } : {}),
      };
      ctx.changed();
      const { secret: _s, ...info } = ctx.state.tokens[full];
      return { 'full-tokenid': full, info, value: secret };
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
    // ACL.pm read_acl: every entry with Sys.Audit on /access, else those whose permissions the caller may modify.
    (ctx) => {
      const checker = new PermissionChecker(ctx.auth, ctx.state);
      const audit = checker.all('/access', ['Sys.Audit']) === undefined;
      return ctx.state.acl
        .filter((a) => audit || checker.permModify(a.path) === undefined)
        .map((a) => ({
          path: a.path,
          // Groups are kept as `@name` (user.cfg's form) and listed by their name.
          ugid: a.ugid.replace(/^@/, ''),
          roleid: a.roleid,
          propagate: a.propagate ? 1 : 0,
          type: a.ugid.includes('!') ? 'token' : a.ugid.startsWith('@') ? 'group' : 'user',
        }));
    },
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
      const mine = new PermissionChecker(ctx.auth, ctx.state).privileges(String(ctx.params.path));
      for (const role of list(ctx.params.roles)) {
        if (!BUILTIN_ROLES[role] && !ctx.state.roles[role]) throw dieError(`role '${role}' does not exist`);
        // ACL.pm update_acl: without Permissions.Modify (perm-modify let VM.Allocate and the like
        // through), a caller hands out only privileges it holds itself, and never NoAccess.
        if (!mine.has('Permissions.Modify')) {
          const verb = ctx.params.delete ? 'remove' : 'add';
          const privs = BUILTIN_ROLES[role] ?? ctx.state.roles[role] ?? [];
          if (privs.some((p) => !mine.has(p)))
            throw paramError({
              role: `Cannot ${verb} role '${role}' - requires 'Permissions.Modify' or superset of privileges.`,
            });
          if (role === 'NoAccess')
            throw paramError({ role: `Cannot ${verb} role '${role}' - requires 'Permissions.Modify'` });
        }
        for (const ugid of subjects) {
          if (ugid.startsWith('@') && !ctx.state.groups[ugid.slice(1)])
            throw dieError(`group '${ugid.slice(1)}' does not exist`);
          if (!ugid.startsWith('@') && !ctx.state.users[ugid.split('!')[0]!])
            throw dieError(`user '${ugid.split('!')[0]!}' does not exist`);
          if (ugid.includes('!') && !ctx.state.tokens[ugid]) {
            const [user, token] = ugid.split('!');
            throw dieError(`no such token '${token}' for user '${user}'`);
          }
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
