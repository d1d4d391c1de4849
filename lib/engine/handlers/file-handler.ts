import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { StorageApi } from '../../pve/api/storage.ts';
import { type DesiredResource, type PlannedChange, type ResourceHandler, sharedRead } from './handler.ts';
import { atResource } from './handler-errors.ts';

const NO_OP: PlannedChange = { action: 'no-op', changes: [], destroysData: false };

type Props = Record<string, unknown>;

/** The content type a file name implies when the plan sets none (as the provider infers it). */
const CONTENT_BY_NAME: ReadonlyArray<[RegExp, string]> = [
  [/\.(iso|img)$/i, 'iso'],
  [/\.tar\.(gz|xz|zst)$/i, 'vztmpl'],
  [/\.(qcow2|raw|vmdk|ova)$/i, 'import'],
];

/** Where a file resource lives: its volume id is `<datastore>:<content>/<file name>`. */
interface FileLocation {
  readonly node: string;
  readonly storage: string;
  readonly content: string;
  readonly name: string;
  readonly volid: string;
}

function locationOf(p: Props): FileLocation {
  const raw = p.source_raw as Props | undefined;
  const file = p.source_file as Props | undefined;
  const source = String(file?.path ?? '');
  const name = String(raw?.file_name ?? file?.file_name ?? basename(source.replace(/[?#].*$/, '')));
  const content = String(p.content_type ?? CONTENT_BY_NAME.find(([re]) => re.test(name))?.[1] ?? 'snippets');
  const storage = String(p.datastore_id);
  return { node: String(p.node_name), storage, content, name, volid: `${storage}:${content}/${name}` };
}

/**
 * The size the file should have, or undefined when it cannot be known here
 * (a URL source). Proxmox reports a file's size, never a hash of its content.
 */
function wantedSize(resource: DesiredResource): number | undefined {
  const raw = resource.properties.source_raw as Props | undefined;
  if (raw) return raw.resize !== undefined ? Number(raw.resize) : Buffer.byteLength(String(raw.data), 'utf8');
  const path = String((resource.properties.source_file as Props).path);
  if (/^https?:\/\//i.test(path)) return undefined;
  try {
    return statSync(path).size;
  } catch (e) {
    throw atResource(
      resource.path,
      `source_file.path ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'fix the path (relative paths start at the project directory)',
    );
  }
}

const fileAttributes = (at: FileLocation, size: number) => ({
  id: at.volid,
  node_name: at.node,
  datastore_id: at.storage,
  content_type: at.content,
  file_name: at.name,
  file_size: size,
});

/**
 * `proxmox_virtual_environment_file`: a snippet, ISO image or template on a
 * node's storage, by volume id. A file's content is immutable: a different
 * size means a different file, which is replaced (unless `overwrite` is
 * false). Limitation: Proxmox tells sizes, not hashes, so an edit that keeps
 * the size is not seen.
 *
 * Uploading is not written yet: Proxmox takes iso/vztmpl/import only as a
 * multipart/form-data upload, which PveClient does not send, and snippets
 * and backups only over SSH. A file put there by other means is found and
 * adopted (its `id` is then known to VMs); creating or replacing one fails
 * with what to do, before anything is changed.
 */
export const fileHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_file',

  locks(resource) {
    const at = locationOf(resource.properties);
    return [`storage:${at.node}/${at.storage}`];
  },

  async read(ctx, resource) {
    const at = locationOf(resource.properties);
    const storage = ctx.inventory.find(
      (r) => r.type === 'storage' && r.storage === at.storage && r.node === at.node,
    );
    if (storage?.type === 'storage' && storage.content !== undefined) {
      const kinds = storage.content.split(',');
      if (!kinds.includes(at.content))
        throw new Error(
          `${resource.path}: storage '${at.storage}' on ${at.node} does not hold ${at.content} (its content types are ${storage.content}); enable ${at.content} on it (Datacenter → Storage → Edit → Content) or choose another datastore_id`,
        );
    }
    const volumes = await sharedRead(ctx, `storage-content:${at.node}/${at.storage}/${at.content}`, () =>
      new StorageApi(ctx.api.client).content(at.node, at.storage, at.content),
    ).catch((e) => {
      throw atResource(resource.path, e, `check that storage '${at.storage}' exists on node ${at.node}`);
    });
    const volume = volumes.find((v) => v.volid === at.volid);
    return volume ? { attributes: fileAttributes(at, volume.size), live: { ...volume } } : undefined;
  },

  plan(resource, observed): PlannedChange {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    if (resource.properties.overwrite === false) return NO_OP;
    const want = wantedSize(resource);
    const have = Number(observed.live.size);
    if (want === undefined || want === have) return NO_OP;
    return {
      action: 'replace',
      changes: [{ key: 'file_size', from: have, to: want, forcesReplacement: true }],
      destroysData: false,
    };
  },

  async apply(_ctx, resource, change) {
    const at = locationOf(resource.properties);
    const how =
      at.content === 'snippets' || at.content === 'backup'
        ? `Proxmox takes ${at.content} only over SSH, which pvecdk does not do for nodes yet`
        : 'Proxmox takes it only as a multipart/form-data upload, which pvecdk does not send yet';
    throw new Error(
      `${resource.path}: cannot ${change.action === 'replace' ? 'replace' : 'upload'} ${at.volid} on ${at.node}: ${how}; nothing was changed\n  hint: copy the file into the ${at.content} directory of storage '${at.storage}' on ${at.node} (e.g. with scp), then deploy again: it is then found and used`,
    );
  },

  async delete(ctx, attributes) {
    const upid = await new StorageApi(ctx.api.client).deleteVolume(
      String(attributes.node_name),
      String(attributes.datastore_id),
      String(attributes.id),
    );
    if (upid) await ctx.api.waitForTask(upid);
  },
};
