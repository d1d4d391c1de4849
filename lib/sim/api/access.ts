import { effectivePrivileges } from '../acl.ts';
import { EmulatorHttpError } from '../emulator-error.ts';
import type { HandlerTable } from '../handler.ts';
import { checkUserPassword } from '../shadow.ts';

/** Tickets and the caller's effective permissions. */
export const accessHandlers: HandlerTable = [
  [
    'POST',
    '/access/ticket',
    (ctx) => {
      const username = String(ctx.params.username);
      const userid = username.includes('@') ? username : `${username}@${String(ctx.params.realm ?? 'pam')}`;
      const user = ctx.state.users[userid];
      const password = String(ctx.params.password);
      // Renewal: the old ticket is posted as the password.
      const renewed = password.startsWith('PVE:') ? ctx.tickets.verify(password) : undefined;
      if (!user?.enable || (renewed !== userid && !checkUserPassword(ctx.state, userid, password))) {
        throw new EmulatorHttpError(401, 'authentication failure');
      }
      const { ticket, csrf } = ctx.tickets.issue(userid);
      return {
        username: userid,
        ticket,
        CSRFPreventionToken: csrf,
        clustername: ctx.state.clusterName,
        cap: {},
      };
    },
  ],
  [
    'GET',
    '/access/permissions',
    (ctx) => {
      const userid = (ctx.params.userid as string | undefined) ?? ctx.auth.userid;
      const tokenid = ctx.params.userid ? undefined : ctx.auth.tokenid;
      const model = { acl: ctx.state.acl, roles: ctx.state.roles, groups: ctx.state.groups };
      const paths = ctx.params.path
        ? [String(ctx.params.path)]
        : [...new Set(['/', ...ctx.state.acl.map((a) => a.path)])].sort();
      const out: Record<string, Record<string, number>> = {};
      for (const p of paths) {
        const privs = effectivePrivileges(model, userid, tokenid, ctx.auth.privsep, p);
        if (privs.size) out[p] = Object.fromEntries([...privs].sort().map((x) => [x, 1]));
      }
      return out;
    },
  ],
];
