import { z } from 'zod';
import type { PveClient, PveParams } from '../client.ts';
import { intLike } from './schemas.ts';

export const PoolSchema = z.object({ poolid: z.string(), comment: z.string().optional() });

export const PoolMemberSchema = z.object({
  id: z.string(),
  type: z.string(),
  vmid: intLike.optional(),
  node: z.string().optional(),
  storage: z.string().optional(),
});

export const PoolDetailSchema = z.object({
  comment: z.string().optional(),
  members: PoolMemberSchema.array(),
});

const poolPath = (poolid: string) => `/pools/${encodeURIComponent(poolid)}`;

/** Resource pools: how guests of one customer are grouped and delegated. */
export class PoolsApi {
  constructor(private readonly client: PveClient) {}

  list() {
    return this.client.get('/pools', {}, PoolSchema.array());
  }

  get(poolid: string) {
    return this.client.get(poolPath(poolid), {}, PoolDetailSchema);
  }

  async create(poolid: string, comment?: string): Promise<void> {
    await this.client.post('/pools', { poolid, comment });
  }

  /** `vms`/`storage` add members, or remove them with `delete: true`; `allow-move` takes VMs from another pool. */
  async update(
    poolid: string,
    params: PveParams & { comment?: string; vms?: readonly number[]; storage?: readonly string[] },
  ): Promise<void> {
    const { vms, storage, ...rest } = params;
    await this.client.put(poolPath(poolid), {
      ...rest,
      ...(vms ? { vms: vms.join(',') } : {}),
      ...(storage ? { storage: storage.join(',') } : {}),
    });
  }

  /** Proxmox refuses to delete a pool that still has members. */
  async delete(poolid: string): Promise<void> {
    await this.client.delete(poolPath(poolid));
  }
}
