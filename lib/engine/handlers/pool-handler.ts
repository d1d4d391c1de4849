import { poolType } from '../../contract/types/datacenter.ts';
import { CREATE, defineHandler, sharedRead, updateOrNoOp } from './handler.ts';

/** `proxmox_virtual_environment_pool`: a pool and its comment (members join through the VMs' pool_id). */
export const poolHandler = defineHandler({
  contract: poolType,
  proxmoxKey: (path) => (path === 'pool_id' ? 'poolid' : undefined),

  locks() {
    return ['pools'];
  },

  // `GET /pools` lists every pool with its comment, which is all a pool's diff compares: one read
  // per remote serves every customer's pool (the pool's own read would add its members, never compared).
  async read(ctx, resource) {
    const id = resource.props.pool_id;
    const pools = await sharedRead(ctx, 'pools', () => ctx.api.pools.list());
    const pool = pools.find((p) => p.poolid === id);
    return pool ? { attributes: { pool_id: id }, live: { comment: pool.comment ?? '' } } : undefined;
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
      // `GET /pools` lists only the pools the token holds Pool.Audit on: what reading the pool itself needs.
      ...call('GET', '/pools/{poolid}', at),
      ...call('POST', '/pools', at),
      ...call('PUT', '/pools/{poolid}', at),
      ...call('DELETE', '/pools/{poolid}', at),
    ];
  },
});
