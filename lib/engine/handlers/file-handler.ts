import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { StorageApi, type StorageUpload } from '../../pve/api/storage.ts';
import type { PveUploadFile } from '../../pve/client.ts';
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

/** The content types Proxmox VE 8 takes through its upload API; snippets and backups only over SSH. */
const UPLOADABLE = new Set(['iso', 'vztmpl', 'import']);

/** What is sent: the file, its size and SHA-256 (given, or computed here; Proxmox verifies it). */
interface UploadSource {
  readonly file: PveUploadFile;
  readonly size: number;
  readonly sha256: string;
}

/**
 * The bytes of a `source_raw` (UTF-8, cut or zero-padded to `resize`), or
 * the file of a local `source_file`, hashed in one streamed pass unless a
 * `source_file.checksum` is given. That one is not checked here: Proxmox
 * checks it, and fails the import task without storing anything when it
 * does not match.
 */
async function uploadSource(resource: DesiredResource, at: FileLocation): Promise<UploadSource> {
  const raw = resource.properties.source_raw as Props | undefined;
  if (raw) {
    let data = Buffer.from(String(raw.data), 'utf8');
    if (raw.resize !== undefined) {
      const sized = Buffer.alloc(Number(raw.resize));
      data.copy(sized);
      data = sized;
    }
    return { file: { name: at.name, data }, size: data.byteLength, sha256: sha256(data) };
  }
  const source = resource.properties.source_file as Props;
  const path = String(source.path);
  const failed = (e: unknown) =>
    atResource(
      resource.path,
      `source_file.path ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'fix the path (relative paths start at the project directory)',
    );
  if (source.checksum !== undefined) {
    // Proxmox verifies the given one: no need to read the file twice.
    let size: number;
    try {
      size = statSync(path).size;
    } catch (e) {
      throw failed(e);
    }
    return { file: { name: at.name, path }, size, sha256: String(source.checksum).toLowerCase() };
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
    }
  } catch (e) {
    throw failed(e);
  }
  return { file: { name: at.name, path }, size, sha256: hash.digest('hex') };
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Proxmox stores an upload under its name with characters other than `A-Za-z0-9_.-` replaced by `_`. */
const storedName = (name: string) => name.replace(/[^a-zA-Z0-9_.-]/g, '_');

/**
 * `proxmox_virtual_environment_file`: a snippet, ISO image or template on a
 * node's storage, by volume id. A file's content is immutable: a different
 * size means a different file, which is replaced (unless `overwrite` is
 * false). Limitation: Proxmox tells sizes, not hashes, so an edit that keeps
 * the size is not seen.
 *
 * ISO images, container templates and import images (`iso`, `vztmpl`,
 * `import`) are uploaded from `source_file.path` or `source_raw.data`
 * through Proxmox's upload API, streamed from disk, always with a SHA-256
 * that Proxmox verifies before it stores the file (the `source_file.checksum`
 * when given); the SHA-256 is kept in state as `sha256`. Replacing uploads
 * over the file: Proxmox's import overwrites one of the same name, so the
 * old file stays until the new one is verified. Snippets and backups cannot
 * be uploaded through the API (Proxmox takes them only over SSH): creating
 * or replacing one fails with what to do, before anything is changed; a
 * file put there by other means is found and adopted (its `id` is then
 * known to VMs). A URL `source_file.path` is not downloaded yet.
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

  async apply(ctx, resource, change) {
    const at = locationOf(resource.properties);
    const refuse = (why: string, hint: string) =>
      Object.assign(
        new Error(
          `${resource.path}: cannot ${change.action === 'replace' ? 'replace' : 'upload'} ${at.volid} on ${at.node}: ${why}; nothing was changed`,
        ),
        { hint },
      );
    const byHand = `copy the file into the ${at.content} directory of storage '${at.storage}' on ${at.node} (e.g. with scp), then deploy again: it is then found and used`;
    if (!UPLOADABLE.has(at.content))
      throw refuse(
        `Proxmox takes ${at.content} only over SSH (its upload API takes iso, vztmpl and import files), which pvecdk does not do for nodes yet`,
        byHand,
      );
    const path = (resource.properties.source_file as Props | undefined)?.path;
    if (typeof path === 'string' && /^https?:\/\//i.test(path))
      throw refuse(
        'a URL source is not downloaded by pvecdk yet',
        `download it and give its local path as source_file.path, or ${byHand}`,
      );
    if (storedName(at.name) !== at.name)
      throw refuse(
        `Proxmox would store it as ${storedName(at.name)}, so it would never be found under this name`,
        'set source_file.file_name to a name of letters, digits, dots, dashes and underscores',
      );

    const source = await uploadSource(resource, at);
    const timeout = resource.properties.timeout_upload;
    const upload: StorageUpload = {
      content: at.content as StorageUpload['content'],
      file: source.file,
      checksum: { algorithm: 'sha256', value: source.sha256 },
      timeoutMs: timeout === undefined ? 1_800_000 : Number(timeout) * 1000,
    };
    try {
      await ctx.api.waitForTask(
        await new StorageApi(ctx.api.client).startUpload(at.node, at.storage, upload),
      );
    } catch (e) {
      throw atResource(resource.path, e);
    }
    return { ...fileAttributes(at, source.size), sha256: source.sha256 };
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
