import { z } from 'zod';
import type { PveClient, PveParams } from '../client.ts';

/**
 * One vzdump job of `/cluster/backup`. The schema names only `id`; Proxmox
 * lists every option the job has set (`schedule`, `storage`, `vmid`, ...) as
 * written in jobs.cfg, so the rest is kept as it came for comparing.
 */
export const BackupJobSchema = z.looseObject({ id: z.string() });
export type BackupJob = z.infer<typeof BackupJobSchema>;

const jobPath = (id: string) => `/cluster/backup/${encodeURIComponent(id)}`;

/** Scheduled vzdump backup jobs of the datacenter. */
export class BackupJobsApi {
  constructor(private readonly client: PveClient) {}

  list(): Promise<BackupJob[]> {
    return this.client.get('/cluster/backup', {}, BackupJobSchema.array());
  }

  get(id: string): Promise<BackupJob> {
    return this.client.get(jobPath(id), {}, BackupJobSchema);
  }

  /** Proxmox refuses an `id` that is already taken. */
  async create(id: string, params: PveParams): Promise<void> {
    await this.client.post('/cluster/backup', { ...params, id });
  }

  /** Changes the options given; `delete` (comma-separated) removes options. */
  async update(id: string, params: PveParams): Promise<void> {
    await this.client.put(jobPath(id), params);
  }

  async delete(id: string): Promise<void> {
    await this.client.delete(jobPath(id));
  }
}
