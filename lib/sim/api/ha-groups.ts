import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

function haGroup(ctx: EmulatorContext) {
  const group = ctx.state.haGroups?.[String(ctx.params.group)];
  if (!group) throw dieError(`no such ha group '${String(ctx.params.group)}'`);
  return group;
}

const OPTIONS = ['nodes', 'comment', 'nofailback', 'restricted'];

/** HA groups (pve-ha-manager 4.x, PVE 8): where HA resources of a group may run. */
export const haGroupHandlers: HandlerTable = [
  [
    'GET',
    '/cluster/ha/groups',
    (ctx) =>
      Object.entries(ctx.state.haGroups ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([group, g]) => ({ ...g, group, type: 'group' })),
  ],
  [
    'POST',
    '/cluster/ha/groups',
    (ctx) => {
      const name = String(ctx.params.group);
      if (ctx.state.haGroups?.[name]) throw dieError(`ha group ID '${name}' already defined`);
      const group: Record<string, string | number> = {};
      for (const k of OPTIONS) if (ctx.params[k] !== undefined) group[k] = ctx.params[k] as string | number;
      ctx.state.haGroups = { ...ctx.state.haGroups, [name]: group };
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/cluster/ha/groups/{group}',
    (ctx) => ({ ...haGroup(ctx), group: String(ctx.params.group), type: 'group' }),
  ],
  [
    'PUT',
    '/cluster/ha/groups/{group}',
    (ctx) => {
      const group = haGroup(ctx);
      for (const k of list(ctx.params.delete)) delete group[k];
      for (const k of OPTIONS) if (ctx.params[k] !== undefined) group[k] = ctx.params[k] as string | number;
      ctx.changed();
      return null;
    },
  ],
  [
    'DELETE',
    '/cluster/ha/groups/{group}',
    (ctx) => {
      haGroup(ctx);
      const name = String(ctx.params.group);
      const user = Object.values(ctx.state.haResources ?? {}).find((r) => r.group === name);
      if (user) throw dieError(`ha group is used by service '${String(user.sid)}'`);
      delete ctx.state.haGroups![name];
      ctx.changed();
      return null;
    },
  ],
];
