import type { HandlerTable, SimHandler } from '../handler.ts';
import { dieError } from '../sim-error.ts';
import type { SimState } from '../state.ts';
import { datacenterHandlers } from './datacenter.ts';

/** A file on a storage: a snippet, an ISO image, a container template. */
export interface SimStorageFile {
  readonly volid: string;
  readonly node: string;
  readonly content: string;
  readonly format: string;
  readonly size: number;
  readonly ctime: number;
}

declare module '../state.ts' {
  interface SimState {
    /** Files on storages by `<node>/<volid>`; on a shared storage the node part is `*`. */
    storageFiles?: Record<string, SimStorageFile>;
  }
}

const FORMAT: Record<string, string> = { snippets: 'snippet', iso: 'iso', vztmpl: 'tzst', import: 'qcow2' };

function fileKey(state: SimState, node: string, volid: string): string {
  const storage = volid.split(':')[0]!;
  return `${state.storages[storage]?.shared ? '*' : node}/${volid}`;
}

/**
 * Puts a file on a node's storage the way an operator's `scp` does: the API
 * cannot (Proxmox uploads need multipart/form-data, and never take snippets).
 */
export function placeStorageFile(
  state: SimState,
  file: { node: string; storage: string; content: string; name: string; size: number },
): SimStorageFile {
  const volid = `${file.storage}:${file.content}/${file.name}`;
  const entry: SimStorageFile = {
    volid,
    node: file.node,
    content: file.content,
    format: FORMAT[file.content] ?? 'raw',
    size: file.size,
    ctime: Math.floor(Date.now() / 1000),
  };
  state.storageFiles = { ...state.storageFiles, [fileKey(state, file.node, volid)]: entry };
  return entry;
}

const CONTENT = '/nodes/{node}/storage/{storage}/content';
const diskListing: SimHandler | undefined = datacenterHandlers.find(
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
        }));
      return [...disks, ...files];
    },
  ],
  [
    'DELETE',
    `${CONTENT}/{volume}`,
    (ctx) => {
      const node = String(ctx.params.node);
      const volume = String(ctx.params.volume);
      const volid = volume.includes(':') ? volume : `${String(ctx.params.storage)}:${volume}`;
      const key = fileKey(ctx.state, node, volid);
      if (!ctx.state.storageFiles?.[key]) throw dieError(`volume '${volid}' does not exist`);
      return ctx.tasks.start(node, 'imgdel', '', ctx.actor, ctx.latency.config, () => {
        delete ctx.state.storageFiles![key];
        ctx.changed();
        return [`removed volume '${volid}'`];
      });
    },
  ],
];
