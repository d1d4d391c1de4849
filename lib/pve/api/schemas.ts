import { z } from 'zod';

/**
 * zod shapes of the answers the engine reads. Proxmox returns some numbers
 * as strings (values from config files, hash keys), so numeric ids accept
 * both; unknown extra fields are allowed, since newer versions add some.
 */
export const intLike = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform((v) => Number(v));
export const boolLike = z
  .union([z.number(), z.boolean(), z.string()])
  .transform((v) => v === 1 || v === true || v === '1');

export const VersionSchema = z.object({ version: z.string(), release: z.string(), repoid: z.string() });

export const NodeEntrySchema = z.object({
  node: z.string(),
  status: z.enum(['online', 'offline', 'unknown']),
  maxcpu: z.number().optional(),
  maxmem: z.number().optional(),
  ssl_fingerprint: z.string().optional(),
});

export const ClusterResourceSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.enum(['qemu', 'lxc']),
    id: z.string(),
    vmid: intLike,
    node: z.string(),
    name: z.string().optional(),
    status: z.string(),
    template: boolLike.optional(),
    tags: z.string().optional(),
    pool: z.string().optional(),
    lock: z.string().optional(),
    hastate: z.string().optional(),
  }),
  z.object({ type: z.literal('node'), id: z.string(), node: z.string(), status: z.string() }),
  z.object({
    type: z.literal('storage'),
    id: z.string(),
    storage: z.string(),
    node: z.string(),
    status: z.string(),
    plugintype: z.string().optional(),
    shared: boolLike.optional(),
    content: z.string().optional(),
  }),
  z.object({ type: z.literal('pool'), id: z.string(), pool: z.string() }),
  z.object({
    type: z.literal('sdn'),
    id: z.string(),
    sdn: z.string(),
    node: z.string(),
    status: z.string().optional(),
  }),
]);
export type ClusterResource = z.infer<typeof ClusterResourceSchema>;

export const QemuConfigSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** One key of `GET …/qemu/{vmid}/pending`: its value, a pending new value, or a pending deletion. */
export const QemuPendingSchema = z.object({
  key: z.string(),
  value: z.unknown().optional(),
  pending: z.unknown().optional(),
  delete: intLike.optional(),
});

export const QemuStatusSchema = z.object({
  vmid: intLike,
  status: z.enum(['running', 'stopped', 'paused', 'unknown']),
  qmpstatus: z.string().optional(),
  name: z.string().optional(),
  lock: z.string().optional(),
  agent: boolLike.optional(),
});

export const SnapshotSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  snaptime: z.number().optional(),
  parent: z.string().optional(),
  vmstate: boolLike.optional(),
});

export const NetworkInterfaceSchema = z.object({
  iface: z.string(),
  type: z.string(),
  active: boolLike.optional(),
  autostart: boolLike.optional(),
  bridge_ports: z.string().optional(),
  bridge_vlan_aware: boolLike.optional(),
  bridge_vids: z.string().optional(),
  cidr: z.string().optional(),
  gateway: z.string().optional(),
  cidr6: z.string().optional(),
  gateway6: z.string().optional(),
  mtu: intLike.optional(),
  comments: z.string().optional(),
});
export type NetworkInterface = z.infer<typeof NetworkInterfaceSchema>;

export const UpidSchema = z.string().startsWith('UPID:');
