import type { PlannedChange, ResourceHandler } from './handler.ts';

type Props = Record<string, unknown>;

function desired(p: Props): Record<string, string> {
  const out: Record<string, string> = { state: String(p.state ?? 'started') };
  for (const k of ['group', 'max_relocate', 'max_restart', 'comment'] as const)
    if (p[k] !== undefined) out[k] = String(p[k]);
  return out;
}

/** `proxmox_virtual_environment_haresource`: a VM under Proxmox HA, by its sid (`vm:100`). */
export const haResourceHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_haresource',

  locks() {
    return ['cluster:ha'];
  },

  async read(ctx, resource) {
    const list: Array<Record<string, unknown>> = await ctx.api.haResources.list();
    const entry = list.find((r) => r.sid === resource.properties.resource_id);
    return entry ? { attributes: { resource_id: entry.sid }, live: entry } : undefined;
  },

  plan(resource, observed): PlannedChange {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const changes = Object.entries(desired(resource.properties))
      .filter(([k, v]) => String(observed.live[k] ?? '') !== v)
      .map(([key, to]) => ({ key, from: observed.live[key], to, forcesReplacement: false }));
    return changes.length
      ? { action: 'update', changes, destroysData: false }
      : { action: 'no-op', changes: [], destroysData: false };
  },

  async apply(ctx, resource, change) {
    const sid = String(resource.properties.resource_id);
    if (change.action === 'create') await ctx.api.haResources.create(sid, desired(resource.properties));
    else await ctx.api.haResources.update(sid, desired(resource.properties));
    return { resource_id: sid };
  },

  async delete(ctx, attributes) {
    await ctx.api.haResources.delete(String(attributes.resource_id));
  },
};
