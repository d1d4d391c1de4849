import { z } from 'zod';
import type { PveClient } from '../client.ts';
import { intLike, UpidSchema } from './schemas.ts';

/** One entry of a storage's content listing: `volid` is `<storage>:<content>/<file>` for files. */
export const StorageVolumeSchema = z.object({
  volid: z.string(),
  content: z.string().optional(),
  format: z.string().optional(),
  size: intLike,
  ctime: intLike.optional(),
  vmid: intLike.optional(),
});
export type StorageVolume = z.infer<typeof StorageVolumeSchema>;

const seg = (v: string) => encodeURIComponent(v);

/**
 * What is stored on a node's storage: ISO images, templates, snippets.
 * Uploads are not here yet: Proxmox takes them only as multipart/form-data
 * (iso, vztmpl, import), which PveClient does not send.
 */
export class StorageApi {
  constructor(private readonly client: PveClient) {}

  /** The volumes of `storage` as `node` sees it, optionally of one content type (`snippets`, `iso`). */
  content(node: string, storage: string, content?: string): Promise<StorageVolume[]> {
    return this.client.get(
      `/nodes/${seg(node)}/storage/${seg(storage)}/content`,
      content ? { content } : {},
      StorageVolumeSchema.array(),
    );
  }

  /** Removes a volume; returns the UPID of the removal task (null if Proxmox finished already). */
  deleteVolume(node: string, storage: string, volid: string): Promise<string | null> {
    return this.client.delete(
      `/nodes/${seg(node)}/storage/${seg(storage)}/content/${seg(volid)}`,
      {},
      UpidSchema.nullable(),
    );
  }
}
