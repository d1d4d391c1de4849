import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { PermissionChecker } from '../permission-check.ts';
import type { EmulatorState } from '../state.ts';

declare module '../state.ts' {
  interface EmulatorState {
    /** Group comments of user.cfg, by group id (members are in `groups`). */
    groupComments?: Record<string, string>;
  }
}

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

/** The groups a user is a member of, sorted, as `/access/users` lists them. */
export function groupsOf(state: EmulatorState, userid: string): string[] {
  return Object.entries(state.groups)
    .filter(([, members]) => members.includes(userid))
    .map(([group]) => group)
    .sort();
}

/**
 * Puts a user in the groups of a `groups` parameter (pve-access-control
 * User.pm): every group must exist; without `append` the user first leaves
 * the groups it was in.
 */
export function setUserGroups(state: EmulatorState, userid: string, groups: unknown, append: boolean): void {
  const wanted = list(groups);
  for (const group of wanted) if (!state.groups[group]) throw dieError(`no such group '${group}'`);
  if (!append) removeFromGroups(state, userid);
  for (const group of wanted) if (!state.groups[group]!.includes(userid)) state.groups[group]!.push(userid);
}

export function removeFromGroups(state: EmulatorState, userid: string): void {
  for (const [group, members] of Object.entries(state.groups))
    state.groups[group] = members.filter((m) => m !== userid);
}

function groupOf(ctx: EmulatorContext): string {
  const group = String(ctx.params.groupid);
  if (!ctx.state.groups[group]) throw dieError(`group '${group}' does not exist`);
  return group;
}

/** User groups (`/access/groups`): members are set through the users' `groups`. */
export const accessGroupHandlers: HandlerTable = [
  [
    'GET',
    '/access/groups',
    // Group.pm index: the groups the caller holds User.Modify, Sys.Audit or Group.Allocate on.
    (ctx) =>
      Object.entries(ctx.state.groups)
        .filter(
          ([g]) =>
            new PermissionChecker(ctx.auth, ctx.state).any(`/access/groups/${g}`, [
              'User.Modify',
              'Sys.Audit',
              'Group.Allocate',
            ]) === undefined,
        )
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([groupid, members]) => ({
          groupid,
          ...(ctx.state.groupComments?.[groupid] !== undefined
            ? { comment: ctx.state.groupComments[groupid] }
            : {}),
          ...(members.length ? { users: [...members].sort().join(',') } : {}),
        })),
  ],
  [
    'POST',
    '/access/groups',
    (ctx) => {
      const group = String(ctx.params.groupid);
      if (ctx.state.groups[group]) throw dieError(`group '${group}' already exists`);
      ctx.state.groups[group] = [];
      if (ctx.params.comment)
        ctx.state.groupComments = { ...ctx.state.groupComments, [group]: String(ctx.params.comment) };
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/access/groups/{groupid}',
    (ctx) => {
      const group = groupOf(ctx);
      const comment = ctx.state.groupComments?.[group];
      return { members: [...ctx.state.groups[group]!].sort(), ...(comment !== undefined ? { comment } : {}) };
    },
  ],
  [
    'PUT',
    '/access/groups/{groupid}',
    (ctx) => {
      const group = groupOf(ctx);
      if (ctx.params.comment !== undefined)
        ctx.state.groupComments = { ...ctx.state.groupComments, [group]: String(ctx.params.comment) };
      ctx.changed();
      return null;
    },
  ],
  [
    'DELETE',
    '/access/groups/{groupid}',
    (ctx) => {
      const group = groupOf(ctx);
      delete ctx.state.groups[group];
      if (ctx.state.groupComments) delete ctx.state.groupComments[group];
      // Proxmox drops the group's grants with it.
      ctx.state.acl = ctx.state.acl.filter((a) => a.ugid !== `@${group}`);
      ctx.changed();
      return null;
    },
  ],
];
