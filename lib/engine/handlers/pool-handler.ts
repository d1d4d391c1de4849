import { poolType } from '../../contract/types/datacenter.ts';
import { CREATE, defineHandler, updateOrNoOp } from './handler.ts';

/** `proxmox_virtual_environment_pool`: a pool and its comment (members join through the VMs' pool_id). */
export const poolHandler = defineHandler({
  contract: poolType,
  proxmoxKey: (path) => (path === 'pool_id' ? 'poolid' : undefined),

  locks() {
    return ['pools'];
  },

  async read(ctx, resource) {
    const id = resource.props.pool_id;
    if (!ctx.inventory.some((r) => r.type === 'pool' && r.pool === id)) return undefined;
    const pool = await ctx.api.pools.get(id);
    return { attributes: { pool_id: id }, live: { ...pool } };
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const want = resource.props.comment ?? '';
    const have = String(observed.live.comment ?? '');
    return updateOrNoOp(
      want === have ? [] : [{ key: 'comment', from: have, to: want, forcesReplacement: false }],
    );
  },

  async apply(ctx, resource, planned) {
    const { pool_id: id, comment } = resource.props;
    if (planned.action === 'create') await ctx.api.pools.create(id, comment);
    else await ctx.api.pools.update(id, { comment: comment ?? '' });
    return { pool_id: id };
  },

  async delete(ctx, applied) {
    await ctx.api.pools.delete(String(applied.attributes.pool_id));
  },

  requirements(resource, call) {
    const at = { poolid: resource.props.pool_id };
    return [
      ...call('GET', '/pools/{poolid}', at),
      ...call('POST', '/pools', at),
      ...call('PUT', '/pools/{poolid}', at),
      ...call('DELETE', '/pools/{poolid}', at),
    ];
  },
});
