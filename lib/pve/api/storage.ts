import { z } from 'zod';
import type { PveClient, PveUploadFile } from '../client.ts';
import { type WaitOptions, waitForTask } from '../tasks.ts';
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

/** What Proxmox verifies an uploaded file against before it stores it. */
export type UploadChecksumAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface StorageUpload {
  /** The only content types Proxmox VE 8.4 takes by upload; snippets and backups go over SSH. */
  readonly content: 'iso' | 'vztmpl' | 'import';
  /** `file.name` becomes the file's name on the storage (Proxmox replaces characters other than `A-Za-z0-9_.-` by `_`). */
  readonly file: PveUploadFile;
  /** When set, the import task fails (`checksum mismatch: got … != expect …`) and stores nothing unless it matches. */
  readonly checksum?: { readonly algorithm: UploadChecksumAlgorithm; readonly value: string };
  /** How long the transfer may take; default 30 minutes. */
  readonly timeoutMs?: number;
}

/**
 * What is stored on a node's storage: ISO images, templates, snippets.
 * Uploads (iso, vztmpl, import) are multipart/form-data; Proxmox then copies
 * the received file into place in an `imgcopy` task, overwriting a file of
 * the same name.
 */
export class StorageApi {
  constructor(
    private readonly client: PveClient,
    private readonly wait: WaitOptions = {},
  ) {}

  /** The volumes of `storage` as `node` sees it, optionally of one content type (`snippets`, `iso`). */
  content(node: string, storage: string, content?: string): Promise<StorageVolume[]> {
    return this.client.get(
      `/nodes/${seg(node)}/storage/${seg(storage)}/content`,
      content ? { content } : {},
      StorageVolumeSchema.array(),
    );
  }

  /** Sends a file to `storage` on `node`; returns the UPID of Proxmox's import task, which is still running. */
  startUpload(node: string, storage: string, upload: StorageUpload): Promise<string> {
    return this.client.upload(
      `/nodes/${seg(node)}/storage/${seg(storage)}/upload`,
      {
        content: upload.content,
        'checksum-algorithm': upload.checksum?.algorithm,
        checksum: upload.checksum?.value,
      },
      upload.file,
      { schema: UpidSchema, ...(upload.timeoutMs !== undefined ? { timeoutMs: upload.timeoutMs } : {}) },
    );
  }

  /**
   * Sends a file and returns the import task's UPID once the task finished;
   * a failed task (a checksum mismatch) raises PVE_TASK_FAILED with its log.
   */
  async uploadFile(
    node: string,
    storage: string,
    upload: StorageUpload,
    wait: WaitOptions = this.wait,
  ): Promise<string> {
    const upid = await this.startUpload(node, storage, upload);
    await waitForTask(this.client, upid, wait);
    return upid;
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
