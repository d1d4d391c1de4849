import type { PropertiesOf } from '../../contract/plan-type.ts';
import { haResourceType } from '../../contract/types/datacenter.ts';
import { CREATE, defineHandler, type PropertyChange, updateOrNoOp } from './handler.ts';

type HaProps = PropertiesOf<typeof haResourceType>;

/** The options Proxmox stores for an HA resource; its type is the id's prefix (`vm:100`). */
function desired(p: HaProps): Record<string, string> {
  const out: Record<string, string> = { state: p.state ?? 'started' };
  if (p.group !== undefined) out.group = p.group;
  if (p.max_relocate !== undefined) out.max_relocate = String(p.max_relocate);
  if (p.max_restart !== undefined) out.max_restart = String(p.max_restart);
  if (p.comment !== undefined) out.comment = p.comment;
  return out;
}

/** `proxmox_virtual_environment_haresource`: a VM under Proxmox HA, by its sid (`vm:100`). */
export const haResourceHandler = defineHandler({
  contract: haResourceType,
  // The options keep their names in Proxmox; the id is its `sid`.
  proxmoxKey: (path) => (path === 'resource_id' ? 'sid' : undefined),

  locks() {
    return ['cluster:ha'];
  },

  async read(ctx, resource) {
    const entry = (await ctx.api.haResources.list()).find((r) => r.sid === resource.props.resource_id);
    return entry ? { attributes: { resource_id: entry.sid }, live: { ...entry } } : undefined;
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const changes: PropertyChange[] = Object.entries(desired(resource.props))
      .filter(([k, v]) => String(observed.live[k] ?? '') !== v)
      .map(([key, to]) => ({ key, from: observed.live[key], to, forcesReplacement: false }));
    const type = resource.props.type;
    if (type !== undefined && observed.live.type !== undefined && observed.live.type !== type)
      changes.push({ key: 'type', from: observed.live.type, to: type, forcesReplacement: true });
    return updateOrNoOp(changes);
  },

  async apply(ctx, resource, planned) {
    const sid = resource.props.resource_id;
    const type = resource.props.type ?? (sid.startsWith('ct:') ? 'ct' : 'vm');
    if (planned.action === 'create')
      await ctx.api.haResources.create(sid, { type, ...desired(resource.props) });
    else await ctx.api.haResources.update(sid, desired(resource.props));
    return { resource_id: sid };
  },

  async delete(ctx, applied) {
    await ctx.api.haResources.delete(String(applied.attributes.resource_id));
  },

  requirements(resource, call) {
    const at = { sid: resource.props.resource_id };
    return [
      ...call('GET', '/cluster/ha/resources'),
      ...call('POST', '/cluster/ha/resources'),
      ...call('PUT', '/cluster/ha/resources/{sid}', at),
      ...call('DELETE', '/cluster/ha/resources/{sid}', at),
    ];
  },
});
