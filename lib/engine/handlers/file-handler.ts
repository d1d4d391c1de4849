import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { PropertiesOf } from '../../contract/plan-type.ts';
import { fileType } from '../../contract/types/datacenter.ts';
import type { StorageUpload } from '../../pve/api/storage.ts';
import type { PveUploadFile } from '../../pve/client.ts';
import { EngineError } from '../engine-errors.ts';
import type { Requirement } from '../preflight/endpoint-permissions.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import {
  CREATE,
  type DesiredResource,
  defineHandler,
  NO_CHANGE,
  propertyChange,
  sharedRead,
} from './handler.ts';
import { atResource } from './handler-errors.ts';

type FileProps = PropertiesOf<typeof fileType>;
type FileResource = DesiredResource<FileProps>;

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

/** The content type a file name implies, as the provider infers it; snippets when nothing matches. */
function contentOf(name: string, declared: string | undefined): string {
  return declared ?? CONTENT_BY_NAME.find(([re]) => re.test(name))?.[1] ?? 'snippets';
}

/** The file name a plan's source gives (`source_raw.file_name`, else the path's base name). */
function fileNameOf(p: {
  readonly source_raw?: { readonly file_name?: string } | undefined;
  readonly source_file?: { readonly path?: string; readonly file_name?: string } | undefined;
}): string {
  const source = p.source_file?.path ?? '';
  return p.source_raw?.file_name ?? p.source_file?.file_name ?? basename(source.replace(/[?#].*$/, ''));
}

function locationOf(p: FileProps): FileLocation {
  const name = fileNameOf(p);
  const content = contentOf(name, p.content_type);
  const storage = p.datastore_id;
  return { node: p.node_name, storage, content, name, volid: `${storage}:${content}/${name}` };
}

/**
 * The size the file should have, or undefined when it cannot be known here
 * (a URL source). Proxmox reports a file's size, never a hash of its content.
 */
function wantedSize(resource: FileResource): number | undefined {
  const raw = resource.props.source_raw;
  if (raw) return raw.resize !== undefined ? raw.resize : Buffer.byteLength(raw.data, 'utf8');
  const path = resource.props.source_file?.path ?? '';
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

/** Plan keys beside the storage API's. */
const FILE_KEYS = proxmoxKeys({
  node_name: 'node',
  datastore_id: 'storage',
  content_type: 'content',
  'source_file.checksum': 'checksum',
});

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
async function uploadSource(resource: FileResource, at: FileLocation): Promise<UploadSource> {
  const raw = resource.props.source_raw;
  if (raw) {
    let data = Buffer.from(raw.data, 'utf8');
    if (raw.resize !== undefined) {
      const sized = Buffer.alloc(raw.resize);
      data.copy(sized);
      data = sized;
    }
    return { file: { name: at.name, data }, size: data.byteLength, sha256: sha256(data) };
  }
  const source = resource.props.source_file ?? { path: '' };
  const path = source.path;
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
    return { file: { name: at.name, path }, size, sha256: source.checksum.toLowerCase() };
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
export const fileHandler = defineHandler({
  contract: fileType,
  proxmoxKey: (path) => FILE_KEYS.apiOf(path),
  replaceable: true,

  locks(resource) {
    const at = locationOf(resource.props);
    return [`storage:${at.node}/${at.storage}`];
  },

  async read(ctx, resource) {
    const at = locationOf(resource.props);
    const storage = ctx.inventory.find(
      (r) => r.type === 'storage' && r.storage === at.storage && r.node === at.node,
    );
    if (storage?.type === 'storage' && storage.content !== undefined) {
      const kinds = storage.content.split(',');
      if (!kinds.includes(at.content))
        throw new EngineError(
          'ENGINE_CANNOT_APPLY',
          `${resource.path}: storage '${at.storage}' on ${at.node} does not hold ${at.content} (its content types are ${storage.content})`,
          `enable ${at.content} on it (Datacenter → Storage → Edit → Content) or choose another datastoreId`,
        );
    }
    const volumes = await sharedRead(ctx, `storage-content:${at.node}/${at.storage}/${at.content}`, () =>
      ctx.api.storage.content(at.node, at.storage, at.content),
    ).catch((e) => {
      throw atResource(resource.path, e, `check that storage '${at.storage}' exists on node ${at.node}`);
    });
    const volume = volumes.find((v) => v.volid === at.volid);
    return volume ? { attributes: fileAttributes(at, volume.size), live: { ...volume } } : undefined;
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    if (resource.props.overwrite === false) return NO_CHANGE;
    const want = wantedSize(resource);
    const have = Number(observed.live.size);
    if (want === undefined || want === have) return NO_CHANGE;
    return {
      action: 'replace',
      // No plan property is the size: the engine's own measure of the content.
      changes: [propertyChange('file_size', have, want, { api: 'size', forcesReplacement: true })],
      destroysData: false,
    };
  },

  async apply(ctx, resource, planned) {
    const at = locationOf(resource.props);
    const refuse = (why: string, hint: string) =>
      new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${resource.path}: cannot ${planned.action === 'replace' ? 'replace' : 'upload'} ${at.volid} on ${at.node}: ${why}; nothing was changed`,
        hint,
      );
    const byHand = `copy the file into the ${at.content} directory of storage '${at.storage}' on ${at.node} (e.g. with scp), then deploy again: it is then found and used`;
    if (!UPLOADABLE.has(at.content))
      throw refuse(
        `Proxmox takes ${at.content} only over SSH (its upload API takes iso, vztmpl and import files), which pvecdk does not do for nodes yet`,
        byHand,
      );
    if (storedName(at.name) !== at.name)
      throw refuse(
        `Proxmox would store it as ${storedName(at.name)}, so it would never be found under this name`,
        'set sourceFile.fileName to a name of letters, digits, dots, dashes and underscores',
      );

    const source = await uploadSource(resource, at);
    const timeout = resource.props.timeout_upload;
    const upload: StorageUpload = {
      content: at.content as StorageUpload['content'],
      file: source.file,
      checksum: { algorithm: 'sha256', value: source.sha256 },
      timeoutMs: timeout === undefined ? 1_800_000 : timeout * 1000,
    };
    try {
      await ctx.api.waitForTask(await ctx.api.storage.startUpload(at.node, at.storage, upload));
    } catch (e) {
      throw atResource(resource.path, e);
    }
    return { ...fileAttributes(at, source.size), sha256: source.sha256 };
  },

  async delete(ctx, applied) {
    const a = applied.attributes;
    const upid = await ctx.api.storage.deleteVolume(
      String(a.node_name),
      String(a.datastore_id),
      String(a.id),
    );
    if (upid) await ctx.api.waitForTask(upid);
  },

  requirements(resource, call) {
    const p = resource.props;
    const at = { node: p.node_name, storage: p.datastore_id };
    const storagePath = at.storage ? `/storage/${at.storage}` : '/storage';
    const content = contentOf(fileNameOf(p), p.content_type);
    const plain = (path: string, privilege: string): Requirement => ({ path, privilege, orElse: [] });
    return [
      ...call('GET', '/nodes/{node}/storage/{storage}/content', at),
      // iso, vztmpl and import go through the upload API; snippets and backups go over SSH to the node.
      ...(UPLOADABLE.has(content) ? call('POST', '/nodes/{node}/storage/{storage}/upload', at) : []),
      // Replacing or deleting a volume: Datastore.Allocate on the storage (Storage content API, in code).
      plain(storagePath, 'Datastore.Allocate'),
    ];
  },

  predictAttribute(props, attribute) {
    return attribute === 'id' ? undefined : (props as Readonly<Record<string, unknown>>)[attribute];
  },
});
