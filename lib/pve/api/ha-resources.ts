import { z } from 'zod';
import type { PveClient, PveParams } from '../client.ts';

/**
 * One resource under HA management. The schema's list names only `sid`
 * (`vm:100`); Proxmox adds `type`, `state`, `digest` and the options set
 * (`group`, `max_restart`, ...), kept as they came for comparing.
 */
export const HaResourceSchema = z.looseObject({ sid: z.string() });
export type HaResource = z.infer<typeof HaResourceSchema>;

const resourcePath = (sid: string) => `/cluster/ha/resources/${encodeURIComponent(sid)}`;

/** Guests that Proxmox HA keeps running (restarts or relocates on node failure). */
export class HaResourcesApi {
  constructor(private readonly client: PveClient) {}

  list(): Promise<HaResource[]> {
    return this.client.get('/cluster/ha/resources', {}, HaResourceSchema.array());
  }

  get(sid: string): Promise<HaResource> {
    return this.client.get(resourcePath(sid), {}, HaResourceSchema);
  }

  /** Puts a guest (`vm:<vmid>`) under HA; Proxmox refuses one that is already managed. */
  async create(sid: string, params: PveParams): Promise<void> {
    await this.client.post('/cluster/ha/resources', { ...params, sid });
  }

  async update(sid: string, params: PveParams): Promise<void> {
    await this.client.put(resourcePath(sid), params);
  }

  /** Takes the guest out of HA management; the guest itself stays. */
  async delete(sid: string): Promise<void> {
    await this.client.delete(resourcePath(sid));
  }
}
