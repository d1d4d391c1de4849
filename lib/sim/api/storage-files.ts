import { dieError, EmulatorHttpError, paramError } from '../emulator-error.ts';
import type { EmulatorHandler, HandlerTable } from '../handler.ts';
import { takeUpload, UPLOAD_ROUTE } from '../multipart.ts';
import { permissionDenied } from '../permission-check.ts';
import type { EmulatorState } from '../state.ts';
import { type TaskKind, workerDie } from '../task-runner.ts';
import { datacenterHandlers } from './datacenter.ts';

/** A file on a storage: a snippet, an ISO image, a container template. */
export interface EmulatorStorageFile {
  readonly volid: string;
  readonly node: string;
  readonly content: string;
  readonly format: string;
  readonly size: number;
  readonly ctime: number;
  /** Of an uploaded file's content (Proxmox lists no hash; tests read it here). */
  readonly sha256?: string;
  /** The VM id owning a disk volume (`vm-<vmid>-disk-N`) no config lists. */
  readonly vmid?: number;
}

declare module '../state.ts' {
  interface EmulatorState {
    /** Files on storages by `<node>/<volid>`; on a shared storage the node part is `*`. */
    storageFiles?: Record<string, EmulatorStorageFile>;
  }
}

const FORMAT: Record<string, string> = { snippets: 'snippet', iso: 'iso', vztmpl: 'tzst', import: 'qcow2' };

function fileKey(state: EmulatorState, node: string, volid: string): string {
  const storage = volid.split(':')[0]!;
  return `${state.storages[storage]?.shared ? '*' : node}/${volid}`;
}

/**
 * Puts a file on a node's storage the way an operator's `scp` does (the
 * API never takes snippets or backups), replacing one of the same name.
 */
export function placeStorageFile(
  state: EmulatorState,
  file: {
    node: string;
    storage: string;
    content: string;
    name: string;
    size: number;
    format?: string;
    sha256?: string;
  },
): EmulatorStorageFile {
  const volid = `${file.storage}:${file.content}/${file.name}`;
  const entry: EmulatorStorageFile = {
    volid,
    node: file.node,
    content: file.content,
    format: file.format ?? FORMAT[file.content] ?? 'raw',
    size: file.size,
    ctime: Math.floor(Date.now() / 1000),
    ...(file.sha256 ? { sha256: file.sha256 } : {}),
  };
  state.storageFiles = { ...state.storageFiles, [fileKey(state, file.node, volid)]: entry };
  return entry;
}

/**
 * Puts a disk volume of a VM id on a storage that no VM config lists, the
 * way a failed or interrupted operation leaves one behind: what
 * `destroy-unreferenced-disks` removes when the VM is destroyed.
 */
export function placeUnreferencedVolume(
  state: EmulatorState,
  volume: { node: string; storage: string; vmid: number; disk: number; sizeGiB: number },
): EmulatorStorageFile {
  const volid = `${volume.storage}:vm-${volume.vmid}-disk-${volume.disk}`;
  const entry: EmulatorStorageFile = {
    volid,
    node: volume.node,
    content: 'images',
    format: 'raw',
    size: volume.sizeGiB * 1024 ** 3,
    ctime: Math.floor(Date.now() / 1000),
    vmid: volume.vmid,
  };
  state.storageFiles = { ...state.storageFiles, [fileKey(state, volume.node, volid)]: entry };
  return entry;
}

/** Removes the volumes of a VM id that no config lists, on every storage (`destroy-unreferenced-disks`). */
export function removeUnreferencedVolumes(state: EmulatorState, vmid: number): string[] {
  const removed: string[] = [];
  for (const [key, file] of Object.entries(state.storageFiles ?? {}))
    if (file.content === 'images' && file.vmid === vmid) {
      delete state.storageFiles![key];
      removed.push(file.volid);
    }
  return removed;
}

/** Storage types with a directory (`path` in their config): the only ones Proxmox uploads to. */
const FILE_STORAGE_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'glusterfs', 'btrfs']);

/**
 * What an upload's `filename` must look like per content type (PVE::Storage
 * 8.4: `$ISO_EXT_RE_0`, `$VZTMPL_EXT_RE_1`, `$UPLOAD_IMPORT_EXT_RE_1` with
 * `$SAFE_CHAR_CLASS_RE`); the capture is the format the listing shows.
 */
const UPLOAD_NAME: Record<string, { re: RegExp; error: string; format: (m: RegExpExecArray) => string }> = {
  iso: { re: /[^/]+\.(?:iso|img)$/i, error: 'wrong file extension', format: () => 'iso' },
  vztmpl: {
    re: /[^/]+\.tar\.(gz|xz|zst|bz2)$/i,
    error: 'wrong file extension',
    format: (m) => `t${m[1]!.toLowerCase()}`,
  },
  import: {
    re: /^[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/,
    error: 'invalid filename or wrong extension',
    format: (m) => m[1]!,
  },
};

/** Where the file lands, for the task log: Proxmox's `get_subdir` of the storage. */
function uploadDir(storage: string, content: string): string {
  const base = storage === 'local' ? '/var/lib/vz' : `/mnt/pve/${storage}`;
  return `${base}/${{ iso: 'template/iso', vztmpl: 'template/cache', import: 'import' }[content] ?? content}`;
}

/** `PVE::Storage::normalize_content_filename`: the base name, other characters than `a-zA-Z0-9_.-` as `_`. */
const normalizeFilename = (name: string) =>
  name
    .replace(/\n$/, '')
    .replace(/^.*[/\\]/, '')
    .replace(/[^a-zA-Z0-9_.-]/g, '_');

type ImportArgs = {
  node: string;
  storage: string;
  content: string;
  filename: string;
  format: string;
  tmpfilename: string;
  dest: string;
  size: number;
  /** Hashes of the received file, by algorithm. */
  hashes: Record<string, string>;
  checksum?: string;
  algorithm?: string;
};

/**
 * `imgcopy`: verifies the checksum and copies the received file into place,
 * overwriting one of the same name. Lines go to the log as they are printed,
 * so a failed task keeps them.
 */
const importTask: TaskKind<ImportArgs> = {
  name: 'imgcopy',
  run: (env, a) => {
    env.log.push(`starting file import from: ${a.tmpfilename}`);
    if (a.algorithm !== undefined) {
      const got = a.hashes[a.algorithm] ?? '';
      if (got.toLowerCase() !== String(a.checksum).toLowerCase()) {
        env.log.push('calculating checksum...');
        throw workerDie(`checksum mismatch: got '${got}' != expect '${String(a.checksum)}'`);
      }
      env.log.push('calculating checksum...OK, checksum verified');
    }
    env.log.push(
      `target node: ${a.node}`,
      `target file: ${a.dest}`,
      `file size is: ${a.size}`,
      `command: cp -- ${a.tmpfilename} ${a.dest}`,
    );
    placeStorageFile(env.state, {
      node: a.node,
      storage: a.storage,
      content: a.content,
      name: a.filename,
      size: a.size,
      format: a.format,
      sha256: a.hashes.sha256!,
    });
    env.changed();
    return ['finished file import successfully'];
  },
};

/** `imgdel`: the volume is removed. */
const deleteVolumeTask: TaskKind<{ key: string; volid: string }> = {
  name: 'imgdel',
  run: (env, { key, volid }) => {
    if (env.state.storageFiles) delete env.state.storageFiles[key];
    env.changed();
    return [`removed volume '${volid}'`];
  },
};

export const storageFileTaskKinds = [importTask, deleteVolumeTask];

const CONTENT = '/nodes/{node}/storage/{storage}/content';
const diskListing: EmulatorHandler | undefined = datacenterHandlers.find(
  ([method, template]) => method === 'GET' && template === CONTENT,
)?.[2];

/**
 * Files on storages: the content listing shows them next to the VM disks
 * datacenter.ts lists (registered after it, so this listing is the one
 * served), and a volume can be removed (a task, as in Proxmox).
 */
export const storageFileHandlers: HandlerTable = [
  [
    'GET',
    CONTENT,
    (ctx) => {
      const disks = (diskListing?.(ctx) as unknown[] | undefined) ?? [];
      const storage = String(ctx.params.storage);
      const node = String(ctx.params.node);
      const files = Object.entries(ctx.state.storageFiles ?? {})
        .filter(([key, f]) => f.volid.startsWith(`${storage}:`) && (key.startsWith('*/') || f.node === node))
        .filter(([, f]) => !ctx.params.content || f.content === ctx.params.content)
        .map(([, f]) => ({
          volid: f.volid,
          content: f.content,
          format: f.format,
          size: f.size,
          ctime: f.ctime,
          ...(f.vmid !== undefined ? { vmid: f.vmid } : {}),
        }));
      return [...disks, ...files];
    },
  ],
  [
    'POST',
    UPLOAD_ROUTE,
    // PVE::API2::Storage::Status `upload`: checks, then an `imgcopy` task that
    // verifies the checksum and copies the received file into place,
    // overwriting one of the same name.
    (ctx) => {
      const node = String(ctx.params.node);
      const storage = String(ctx.params.storage);
      const content = String(ctx.params.content);
      const { checksum } = ctx.params;
      const algorithm = ctx.params['checksum-algorithm'];
      if ((checksum === undefined) !== (algorithm === undefined)) {
        const [given, missing] =
          checksum === undefined ? ['checksum-algorithm', 'checksum'] : ['checksum', 'checksum-algorithm'];
        throw paramError({ [missing]: `missing property - '${given}' requires this property` });
      }
      const scfg = ctx.state.storages[storage];
      if (!scfg) throw dieError(`storage '${storage}' does not exist`);
      if (!FILE_STORAGE_TYPES.has(scfg.type)) throw dieError(`can't upload to storage type '${scfg.type}'`);
      const tmpfilename = ctx.params.tmpfilename as string | undefined;
      if (!tmpfilename) throw dieError('missing temporary file name');
      const received = takeUpload(tmpfilename);
      if (!received) throw dieError(`temporary file '${tmpfilename}' does not exist`);
      const filename = normalizeFilename(String(ctx.params.filename));
      const rule = UPLOAD_NAME[content];
      if (!rule) throw paramError({ content: `upload content type '${content}' not allowed` });
      const m = rule.re.exec(filename);
      if (!m) throw paramError({ filename: rule.error });
      if (!scfg.content.split(',').includes(content))
        throw dieError(`storage '${storage}' does not support '${content}' content`);
      // A node other than the one asked copies the file over SSH: its address is looked up.
      if (!ctx.state.nodes[node])
        throw new EmulatorHttpError(
          500,
          `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
        );
      const dest = `${uploadDir(storage, content)}/${filename}`;
      return ctx.tasks.start(
        { node, type: 'imgcopy', id: '', user: ctx.actor, latencyMs: ctx.latency.config },
        importTask,
        {
          node,
          storage,
          content,
          filename,
          format: rule.format(m),
          tmpfilename,
          dest,
          size: received.size,
          hashes: received.hashes,
          ...(algorithm !== undefined ? { checksum: String(checksum), algorithm: String(algorithm) } : {}),
        },
      );
    },
  ],
  [
    'DELETE',
    `${CONTENT}/{volume}`,
    (ctx) => {
      const node = String(ctx.params.node);
      const volume = String(ctx.params.volume);
      const volid = volume.includes(':') ? volume : `${String(ctx.params.storage)}:${volume}`;
      const storeid = volid.split(':')[0]!;
      // Content.pm delete: Datastore.Allocate on the storage (the method's permissions say `all`).
      if (!ctx.can('Datastore.Allocate', `/storage/${storeid}`))
        throw permissionDenied(`/storage/${storeid}, Datastore.Allocate`);
      const key = fileKey(ctx.state, node, volid);
      const file = ctx.state.storageFiles?.[key];
      if (!file) throw dieError(`volume '${volid}' does not exist`);
      // The task's id: the owning VM and the storage (`100@local-lvm`), or the storage.
      const id = `${file.vmid !== undefined ? `${file.vmid}@` : ''}${storeid}`;
      return ctx.tasks.start(
        { node, type: 'imgdel', id, user: ctx.actor, latencyMs: ctx.latency.config },
        deleteVolumeTask,
        { key, volid },
      );
    },
  ],
];
