import type { ResourceHandler } from './handler.ts';

/** `proxmox_virtual_environment_pool`: a pool and its comment (members join through the VMs' pool_id). */
export const poolHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_pool',

  locks() {
    return ['pools'];
  },

  async read(ctx, resource) {
    const id = String(resource.properties.pool_id);
    if (!ctx.inventory.some((r) => r.type === 'pool' && r.pool === id)) return undefined;
    const pool = await ctx.api.pools.get(id);
    return { attributes: { pool_id: id }, live: pool as unknown as Record<string, unknown> };
  },

  plan(resource, observed) {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const want = String(resource.properties.comment ?? '');
    const have = String(observed.live.comment ?? '');
    return want === have
      ? { action: 'no-op', changes: [], destroysData: false }
      : {
          action: 'update',
          changes: [{ key: 'comment', from: have, to: want, forcesReplacement: false }],
          destroysData: false,
        };
  },

  async apply(ctx, resource, change) {
    const id = String(resource.properties.pool_id);
    const comment = resource.properties.comment as string | undefined;
    if (change.action === 'create') await ctx.api.pools.create(id, comment);
    else await ctx.api.pools.update(id, { comment: comment ?? '' });
    return { pool_id: id };
  },

  async delete(ctx, attributes) {
    await ctx.api.pools.delete(String(attributes.pool_id));
  },
};
