import { z } from 'zod';
import { zRef, zSecret } from '../core/schema.ts';
import { CIDR_OR_IP, DATASTORE, DNS_NAME, MAC, nodeNameRef, TAG, VM_ID, vmIdRef } from './common.ts';

/** zod schema of `VirtualEnvironmentVmConfig`: unknown keys are errors, so typos are caught at synth. */

const DISK_INTERFACE = /^(scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|sata[0-5]|ide[0-3])$/;

const clone = z.strictObject({
  vmId: vmIdRef,
  nodeName: nodeNameRef.optional(),
  datastoreId: DATASTORE.optional(),
  full: z.boolean().optional(),
  retries: z.number().int().min(0).max(10).optional(),
});

const cpu = z.strictObject({
  cores: z.number().int().min(1).max(2304).optional(),
  sockets: z.number().int().min(1).max(16).optional(),
  type: z.string().min(1).optional(),
  flags: z.array(z.string().regex(/^[+-][a-z0-9_-]+$/, 'a CPU flag such as +aes')).optional(),
  limit: z.number().min(0).max(128).optional(),
  units: z.number().int().min(1).max(262_144).optional(),
  numa: z.boolean().optional(),
  hotplugged: z.number().int().min(0).optional(),
  affinity: z.string().optional(),
  architecture: z.enum(['x86_64', 'aarch64']).optional(),
});

const memory = z.strictObject({
  dedicated: z.number().int().min(16).max(268_435_456).optional(),
  floating: z.number().int().min(0).optional(),
  shared: z.number().int().min(0).optional(),
  hugepages: z.enum(['2', '1024', 'any']).optional(),
  keepHugepages: z.boolean().optional(),
});

const disk = z.strictObject({
  interface: z.string().regex(DISK_INTERFACE, 'scsi0-30, virtio0-15, sata0-5 or ide0-3'),
  datastoreId: DATASTORE.optional(),
  size: z.number().int().min(1).optional(),
  fileFormat: z.enum(['raw', 'qcow2', 'vmdk']).optional(),
  importFrom: z.string().optional(),
  fileId: z.string().optional(),
  aio: z.enum(['io_uring', 'native', 'threads']).optional(),
  cache: z.enum(['none', 'directsync', 'writethrough', 'writeback', 'unsafe']).optional(),
  discard: z.enum(['ignore', 'on']).optional(),
  iothread: z.boolean().optional(),
  ssd: z.boolean().optional(),
  backup: z.boolean().optional(),
  replicate: z.boolean().optional(),
  serial: z.string().max(20).optional(),
  lifecycle: z.enum(['delete', 'detach', 'retain']).optional(),
  speed: z
    .strictObject({
      iopsRead: z.number().min(0).optional(),
      iopsReadBurstable: z.number().min(0).optional(),
      iopsWrite: z.number().min(0).optional(),
      iopsWriteBurstable: z.number().min(0).optional(),
      read: z.number().min(0).optional(),
      readBurstable: z.number().min(0).optional(),
      write: z.number().min(0).optional(),
      writeBurstable: z.number().min(0).optional(),
    })
    .optional(),
});

const networkDevice = z.strictObject({
  bridge: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,9}$/, 'a bridge name such as vmbr1')
    .optional(),
  model: z.enum(['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3']).optional(),
  macAddress: zRef(MAC).optional(),
  vlanId: z.number().int().min(0).max(4094).optional(),
  trunks: z
    .string()
    .regex(/^\d+(;\d+)*$/, 'VLAN ids separated by ;')
    .optional(),
  firewall: z.boolean().optional(),
  mtu: z.number().int().min(0).max(65_520).optional(),
  queues: z.number().int().min(0).max(64).optional(),
  rateLimit: z.number().min(0).optional(),
  disconnected: z.boolean().optional(),
});

const ipAddress = z.strictObject({
  address: z.union([z.literal('dhcp'), z.literal('auto'), zRef(z.string().min(1))]).optional(),
  gateway: zRef(z.string().min(1)).optional(),
});

const initialization = z.strictObject({
  datastoreId: DATASTORE.optional(),
  interface: z
    .string()
    .regex(/^(ide[0-3]|sata[0-5]|scsi([0-9]|[12][0-9]|30))$/)
    .optional(),
  type: z.enum(['configdrive2', 'nocloud']).optional(),
  dns: z.strictObject({ domain: z.string().optional(), servers: z.array(CIDR_OR_IP).optional() }).optional(),
  ipConfig: z
    .array(z.strictObject({ ipv4: ipAddress.optional(), ipv6: ipAddress.optional() }))
    .max(32)
    .optional(),
  userAccount: z
    .strictObject({
      username: z.string().optional(),
      password: zSecret().optional(),
      keys: z.array(z.string()).optional(),
    })
    .optional(),
  userDataFileId: zRef(z.string()).optional(),
  vendorDataFileId: zRef(z.string()).optional(),
  metaDataFileId: zRef(z.string()).optional(),
});

export const VirtualEnvironmentVmConfigSchema = z.strictObject({
  nodeName: nodeNameRef,
  vmId: zRef(VM_ID).optional(),
  name: DNS_NAME.optional(),
  description: z.string().optional(),
  tags: z.array(TAG).optional(),
  poolId: zRef(z.string()).optional(),
  onBoot: z.boolean().optional(),
  started: z.boolean().optional(),
  template: z.boolean().optional(),
  reboot: z.boolean().optional(),
  rebootAfterUpdate: z.boolean().optional(),
  migrate: z.boolean().optional(),
  protection: z.boolean().optional(),
  acpi: z.boolean().optional(),
  bios: z.enum(['seabios', 'ovmf']).optional(),
  machine: z
    .string()
    .regex(/^(pc|q35|virt)([\w.,=+-]*)$/, 'pc, q35, pc-i440fx-X.Y, pc-q35-X.Y or virt')
    .optional(),
  bootOrder: z.array(z.string()).optional(),
  scsiHardware: z
    .enum(['virtio-scsi-pci', 'virtio-scsi-single', 'lsi', 'lsi53c810', 'megasas', 'pvscsi'])
    .optional(),
  keyboardLayout: z.string().optional(),
  hotplug: z.string().optional(),
  tabletDevice: z.boolean().optional(),
  stopOnDestroy: z.boolean().optional(),
  purgeOnDestroy: z.boolean().optional(),
  deleteUnreferencedDisksOnDestroy: z.boolean().optional(),
  clone: clone.optional(),
  cpu: cpu.optional(),
  memory: memory.optional(),
  agent: z
    .strictObject({
      enabled: z.boolean().optional(),
      timeout: z.string().optional(),
      trim: z.boolean().optional(),
      type: z.enum(['virtio', 'isa']).optional(),
    })
    .optional(),
  disk: z.array(disk).max(31).optional(),
  networkDevice: z.array(networkDevice).max(32).optional(),
  initialization: initialization.optional(),
  operatingSystem: z
    .strictObject({
      type: z
        .enum([
          'other',
          'l24',
          'l26',
          'solaris',
          'w2k',
          'w2k3',
          'w2k8',
          'wvista',
          'wxp',
          'win7',
          'win8',
          'win10',
          'win11',
        ])
        .optional(),
    })
    .optional(),
  startup: z
    .strictObject({
      order: z.number().int().min(-1).optional(),
      upDelay: z.number().int().min(-1).optional(),
      downDelay: z.number().int().min(-1).optional(),
    })
    .optional(),
  vga: z
    .strictObject({
      type: z.string().optional(),
      memory: z.number().int().min(4).max(512).optional(),
      clipboard: z.enum(['', 'vnc']).optional(),
    })
    .optional(),
  efiDisk: z
    .strictObject({
      datastoreId: DATASTORE.optional(),
      fileFormat: z.enum(['raw', 'qcow2', 'vmdk']).optional(),
      type: z.enum(['2m', '4m']).optional(),
      preEnrolledKeys: z.boolean().optional(),
    })
    .optional(),
  tpmState: z
    .strictObject({ datastoreId: DATASTORE.optional(), version: z.enum(['v1.2', 'v2.0']).optional() })
    .optional(),
  serialDevice: z
    .array(z.strictObject({ device: z.string().optional() }))
    .max(4)
    .optional(),
  cdrom: z.strictObject({ fileId: z.string().optional(), interface: z.string().optional() }).optional(),
});
