import { createHash } from 'node:crypto';
import { dieError, paramError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { PermissionChecker } from '../permission-check.ts';
import type { EmulatorState, EmulatorStorage } from '../state.ts';

/** Storage types whose volumes every node sees (pve-storage Plugin.pm @SHARED_STORAGE, in part). */
const SHARED_TYPES = new Set(['nfs', 'cifs', 'rbd', 'cephfs', 'iscsi', 'glusterfs', 'pbs']);

/**
 * The keys of a storage.cfg section beyond type, content and shared, as a
 * fresh PVE install (local, local-lvm) and `pvesm add` of the other types
 * write them: a dir has its path, an lvmthin its volume group and pool, an
 * NFS export its server, export and mount point, an RBD pool its pool.
 */
function typeKeys(s: EmulatorStorage): Record<string, string | number> {
  switch (s.type) {
    case 'dir':
      return { path: s.storage === 'local' ? '/var/lib/vz' : `/mnt/${s.storage}` };
    case 'lvmthin':
      return { thinpool: 'data', vgname: 'pve' };
    case 'lvm':
      return { vgname: s.storage };
    case 'nfs':
    case 'cifs':
      return { export: `/export/${s.storage}`, path: `/mnt/pve/${s.storage}`, server: '192.0.2.10' };
    case 'rbd':
      return { krbd: 0, pool: s.storage };
    case 'zfspool':
      return { pool: `rpool/${s.storage}`, sparse: 1 };
    default:
      return {};
  }
}

/** A storage's configuration as storage.cfg parses it: shared types get `shared 1` (Plugin.pm parse_config). */
function storageConfig(s: EmulatorStorage): Record<string, string | number> {
  const shared = s.shared === 1 || SHARED_TYPES.has(s.type);
  return { type: s.type, content: s.content, ...typeKeys(s), ...(shared ? { shared: 1 } : {}) };
}

/** storage.cfg's text, in the sections' order; its SHA-1 is the `digest` every storage answer carries. */
function storageDigest(state: EmulatorState): string {
  const text = Object.values(state.storages)
    .map((s) => {
      const { type, ...keys } = storageConfig(s);
      const lines = Object.entries(keys).map(([k, v]) => `\t${k} ${String(v)}`);
      return `${type}: ${s.storage}\n${lines.join('\n')}\n`;
    })
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

/** Config.pm's api_storage_config: the section, its id, and the file's digest. */
function apiStorageConfig(state: EmulatorState, s: EmulatorStorage) {
  return { ...storageConfig(s), storage: s.storage, digest: storageDigest(state) };
}

/** The storages the caller may see (Datastore.Audit or Datastore.AllocateSpace on /storage/{id}). */
function visibleStorages(ctx: EmulatorContext): EmulatorStorage[] {
  const checker = new PermissionChecker(ctx.auth, ctx.state);
  return Object.values(ctx.state.storages).filter(
    (s) => checker.any(`/storage/${s.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace']) === undefined,
  );
}

const TOTAL = 1_099_511_627_776;
const USED = 107_374_182_400;

/** Storage configuration (pve-storage API2/Storage/Config.pm) and per-node status (Status.pm). */
export const storageConfigHandlers: HandlerTable = [
  [
    'GET',
    '/storage',
    (ctx) =>
      visibleStorages(ctx)
        .filter((s) => ctx.params.type === undefined || s.type === ctx.params.type)
        .map((s) => apiStorageConfig(ctx.state, s)),
  ],
  [
    'GET',
    '/storage/{storage}',
    (ctx) => {
      const s = ctx.state.storages[String(ctx.params.storage)];
      if (!s || !Object.hasOwn(ctx.state.storages, String(ctx.params.storage)))
        throw dieError(`storage '${String(ctx.params.storage)}' does not exist`);
      return apiStorageConfig(ctx.state, s);
    },
  ],
  [
    'GET',
    '/nodes/{node}/storage',
    // Status.pm index: storages that hold `content` (storage_info), the one named by `storage`
    // (400 when there is none), enabled ones with `enabled`; used_fraction when total is known.
    (ctx) => {
      const { content, storage } = ctx.params;
      if (storage !== undefined && !Object.hasOwn(ctx.state.storages, String(storage)))
        throw paramError({ storage: 'No such storage.' });
      return visibleStorages(ctx)
        .filter((s) => content === undefined || s.content.split(',').includes(String(content)))
        .filter((s) => storage === undefined || s.storage === storage)
        .map((s) => ({
          storage: s.storage,
          type: s.type,
          content: s.content,
          shared: s.shared === 1 || SHARED_TYPES.has(s.type) ? 1 : 0,
          active: 1,
          enabled: 1,
          total: TOTAL,
          used: USED,
          avail: TOTAL - USED,
          used_fraction: USED / TOTAL,
        }));
    },
  ],
  // The emulator has no containers: pve-container's index answers an empty list.
  ['GET', '/nodes/{node}/lxc', () => []],
  [
    'GET',
    '/access/domains',
    // Domains.pm index over domains.cfg, which always holds pam and pve (Auth/Plugin.pm).
    () => [
      { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
      { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server' },
    ],
  ],
  [
    'GET',
    '/cluster/tasks',
    // Cluster.pm tasks: the cluster's task list; without Sys.Audit on / only tasks whose user
    // is the caller (a token's tasks are listed under its user, so a token sees none of them).
    (ctx) => {
      const all = new PermissionChecker(ctx.auth, ctx.state).all('/', ['Sys.Audit']) === undefined;
      return Object.values(ctx.state.tasks ?? {})
        .sort((a, b) => b.starttime - a.starttime)
        .map((t) => {
          const bang = t.user.indexOf('!');
          const user = bang < 0 ? t.user : t.user.slice(0, bang);
          return {
            upid: t.upid,
            node: t.node,
            pid: t.pid,
            pstart: t.pstart,
            starttime: t.starttime,
            type: t.type,
            id: t.id,
            user,
            ...(bang < 0 ? {} : { tokenid: t.user.slice(bang + 1) }),
            ...(t.status === 'stopped' ? { status: t.exitstatus, endtime: t.endtime } : {}),
          };
        })
        .filter((t) => all || t.user === ctx.actor);
    },
  ],
];
