import { z } from 'zod';
import type { ContractKit } from '../plan-type.ts';
import { CIDR_OR_IP, DATASTORE, MAC, NODE_NAME, VM_ID, VOLUME_ID } from './common.ts';

/** Nested blocks of `proxmox_virtual_environment_vm`, named and shaped as the bpg/proxmox provider's. */

const DISK_INTERFACE = /^(scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|sata[0-5]|ide[0-3])$/;
const FILE_FORMAT = z.enum(['raw', 'qcow2', 'vmdk']);

export const vmClone = (k: ContractKit) =>
  z
    .strictObject({
      vm_id: k.ref(VM_ID).describe('The template (or VM) to clone.'),
      node_name: k
        .ref(NODE_NAME)
        .optional()
        .meta({ description: 'The node the template is on.', default: 'found in the cluster inventory' }),
      datastore_id: DATASTORE.optional().meta({
        description: 'Target storage for all disks of a full clone.',
        default: "the template's storages",
      }),
      full: z
        .boolean()
        .optional()
        .meta({ description: 'A full copy (`false`: a linked clone).', default: 'true' }),
      retries: z.number().int().min(0).max(10).optional().describe('How often to try the clone.'),
    })
    .describe('Create the VM as a clone of a template.');

export const vmCpu = z
  .strictObject({
    cores: z
      .number()
      .int()
      .min(1)
      .max(2304)
      .optional()
      .meta({ description: 'Cores per socket.', default: '1' }),
    sockets: z.number().int().min(1).max(16).optional().meta({ description: 'CPU sockets.', default: '1' }),
    type: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'The emulated CPU type, e.g. `x86-64-v2-AES` or `host`.', default: 'kvm64' }),
    flags: z
      .array(z.string().regex(/^[+-][a-z0-9_-]+$/, 'a CPU flag such as +aes'))
      .optional()
      .describe('CPU flags to add (`+aes`) or remove (`-pcid`); needs `type`.'),
    limit: z
      .number()
      .min(0)
      .max(128)
      .optional()
      .meta({ description: 'CPU usage limit (cores; 0: none).', default: '0' }),
    units: z
      .number()
      .int()
      .min(1)
      .max(262_144)
      .optional()
      .meta({ description: 'CPU weight against other VMs.', default: '100' }),
    numa: z.boolean().optional().meta({ description: 'Enable NUMA.', default: 'false' }),
    hotplugged: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'vCPUs present at start (`vcpus`); 0: all.', default: '0' }),
    affinity: z.string().optional().describe('Host cores the VM runs on, e.g. `0-3`.'),
    architecture: z.enum(['x86_64', 'aarch64']).optional().describe('The emulated architecture.'),
  })
  .describe('Processors.');

export const vmMemory = z
  .strictObject({
    dedicated: z
      .number()
      .int()
      .min(16)
      .max(268_435_456)
      .optional()
      .meta({ description: 'Memory in MiB.', default: '512' }),
    floating: z.number().int().min(0).optional().meta({
      description: 'Ballooning minimum in MiB; 0 disables the balloon device.',
      default: 'Proxmox: the balloon is on',
    }),
    shared: z.number().int().min(0).optional().describe('Shared memory (ivshmem) in MiB.'),
    hugepages: z.enum(['2', '1024', 'any']).optional().describe('Back memory with huge pages.'),
    keep_hugepages: z.boolean().optional().describe('Keep huge pages after the VM stops.'),
  })
  .describe('Memory.');

export const vmAgent = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .meta({ description: 'Enable the QEMU guest agent device.', default: 'false' }),
    timeout: z.string().optional().describe('How long to wait for the agent to report addresses.'),
    trim: z
      .boolean()
      .optional()
      .meta({ description: 'Run fstrim after moving or cloning a disk.', default: 'false' }),
    type: z.enum(['virtio', 'isa']).optional().meta({ description: 'The agent device.', default: 'virtio' }),
  })
  .describe('The QEMU guest agent.');

const diskSpeed = z
  .strictObject({
    iops_read: z.number().min(0).optional().describe('Read IOPS limit.'),
    iops_read_burstable: z.number().min(0).optional().describe('Read IOPS burst limit.'),
    iops_write: z.number().min(0).optional().describe('Write IOPS limit.'),
    iops_write_burstable: z.number().min(0).optional().describe('Write IOPS burst limit.'),
    read: z.number().min(0).optional().describe('Read limit in MB/s.'),
    read_burstable: z.number().min(0).optional().describe('Read burst limit in MB/s.'),
    write: z.number().min(0).optional().describe('Write limit in MB/s.'),
    write_burstable: z.number().min(0).optional().describe('Write burst limit in MB/s.'),
  })
  .describe('Throughput limits.');

export const vmDisk = z
  .strictObject({
    interface: z
      .string()
      .regex(DISK_INTERFACE, 'scsi0-30, virtio0-15, sata0-5 or ide0-3')
      .describe('`scsi0`, `virtio1`, `sata0`, `ide0`.'),
    datastore_id: DATASTORE.optional().meta({
      description: 'The storage the disk lives on.',
      default: 'local-lvm',
    }),
    size: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'GiB; a disk can only grow.', default: '8' }),
    file_format: FILE_FORMAT.optional().meta({ description: 'The volume format.', default: "the storage's" }),
    import_from: VOLUME_ID.optional().describe('Import this image volume when the disk is created.'),
    file_id: VOLUME_ID.optional().describe('An existing disk image volume to use.'),
    aio: z
      .enum(['io_uring', 'native', 'threads'])
      .optional()
      .meta({ description: 'Asynchronous I/O mode.', default: 'io_uring' }),
    cache: z
      .enum(['none', 'directsync', 'writethrough', 'writeback', 'unsafe'])
      .optional()
      .meta({ description: 'Cache mode.', default: 'none' }),
    discard: z
      .enum(['ignore', 'on'])
      .optional()
      .meta({ description: 'Pass discard/trim to the storage.', default: 'ignore' }),
    iothread: z.boolean().optional().meta({ description: 'A separate I/O thread.', default: 'false' }),
    ssd: z.boolean().optional().meta({ description: 'Present the disk as an SSD.', default: 'false' }),
    backup: z.boolean().optional().meta({ description: 'Include the disk in backups.', default: 'true' }),
    replicate: z
      .boolean()
      .optional()
      .meta({ description: 'Include the disk in replication.', default: 'true' }),
    serial: z.string().max(20).optional().describe('The serial number the guest sees.'),
    lifecycle: z.enum(['delete', 'detach', 'retain']).optional().meta({
      description:
        "What happens to the disk's data (pvecdk's own, never sent to Proxmox): `delete` lets a removal or a VM delete/replace destroy it, with --allow-destroy-data; `detach` keeps it as an unused disk of the VM when it leaves the plan; `retain` refuses anything that would destroy it.",
      default: 'delete',
    }),
    speed: diskSpeed.optional(),
  })
  .describe('A disk.');

export const vmNetworkDevice = (k: ContractKit) =>
  z
    .strictObject({
      bridge: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,9}$/, 'a bridge name such as vmbr1')
        .optional()
        .meta({ description: 'The bridge the NIC is on.', default: 'vmbr0' }),
      model: z
        .enum(['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'])
        .optional()
        .meta({ description: 'The NIC model.', default: 'virtio' }),
      mac_address: k
        .ref(MAC)
        .optional()
        .meta({ description: 'The MAC address.', default: 'Proxmox generates one' }),
      vlan_id: z
        .number()
        .int()
        .min(0)
        .max(4094)
        .optional()
        .meta({ description: 'VLAN tag (0: untagged).', default: '0' }),
      trunks: z
        .string()
        .regex(/^\d+(;\d+)*$/, 'VLAN ids separated by ;')
        .optional()
        .describe('VLAN trunks, `10;20;30`.'),
      firewall: z
        .boolean()
        .optional()
        .meta({ description: "Filter this NIC with the VM's firewall.", default: 'false' }),
      mtu: z.number().int().min(0).max(65_520).optional().describe("MTU (1: the bridge's)."),
      queues: z.number().int().min(0).max(64).optional().describe('Packet queues (VirtIO).'),
      rate_limit: z.number().min(0).optional().describe('Rate limit in MB/s.'),
      disconnected: z.boolean().optional().meta({ description: 'Link down.', default: 'false' }),
    })
    .describe('A network interface.');

const ipAddress = (k: ContractKit) =>
  z.strictObject({
    address: z
      .union([z.literal('dhcp'), z.literal('auto'), k.ref(z.string().min(1))])
      .optional()
      .describe('A CIDR, `dhcp`, or (IPv6) `auto`.'),
    gateway: k.ref(z.string().min(1)).optional().describe('The default gateway.'),
  });

export const vmInitialization = (k: ContractKit) =>
  z
    .strictObject({
      datastore_id: DATASTORE.optional().meta({
        description: 'Storage of the cloud-init drive.',
        default: 'local-lvm',
      }),
      interface: z
        .string()
        .regex(/^(ide[0-3]|sata[0-5]|scsi([0-9]|[12][0-9]|30))$/)
        .optional()
        .meta({ description: 'The drive slot of the cloud-init drive.', default: 'ide2' }),
      type: z.enum(['configdrive2', 'nocloud']).optional().meta({
        description: 'The cloud-init format.',
        default: 'Proxmox: nocloud for Linux, configdrive2 for Windows',
      }),
      dns: z
        .strictObject({
          domain: z.string().optional().describe('The DNS search domain.'),
          servers: z.array(CIDR_OR_IP).optional().describe('DNS servers.'),
        })
        .optional()
        .describe('DNS settings.'),
      ip_config: z
        .array(
          z.strictObject({
            ipv4: ipAddress(k).optional().describe('IPv4 address and gateway.'),
            ipv6: ipAddress(k).optional().describe('IPv6 address and gateway.'),
          }),
        )
        .max(32)
        .optional()
        .describe('Addresses, one entry per NIC in order.'),
      user_account: z
        .strictObject({
          username: z.string().optional().describe('The user cloud-init creates.'),
          password: k.secret().optional().describe("The user's password (a secret reference)."),
          keys: z
            .array(
              z.union([
                z.string(),
                z
                  .strictObject({
                    public_key: k
                      .secret()
                      .describe(
                        'An SSH key by secret reference (a private key, whose public half is taken, or a public key line), resolved by the engine at deploy.',
                      ),
                  })
                  .meta({
                    description:
                      'The public half of an SSH key held as a secret: public keys are not secret.',
                    typeName: 'VirtualEnvironmentVmPublicKeyRef',
                  }),
              ]),
            )
            .optional()
            .describe(
              'SSH public keys: `authorized_keys` lines, or the public half of a key held as a secret.',
            ),
        })
        .optional()
        .describe('The cloud-init user.'),
      user_data_file_id: k
        .ref(VOLUME_ID)
        .optional()
        .describe('A snippet volume replacing the generated user data.'),
      vendor_data_file_id: k
        .ref(VOLUME_ID)
        .optional()
        .describe('A snippet volume replacing the generated vendor data.'),
      meta_data_file_id: k
        .ref(VOLUME_ID)
        .optional()
        .describe('A snippet volume replacing the generated meta data.'),
    })
    .describe('Cloud-init.');

export const vmOperatingSystem = z
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
      .optional()
      .meta({ description: 'The guest OS type Proxmox tunes for.', default: 'other' }),
  })
  .describe('The guest operating system.');

export const vmStartup = z
  .strictObject({
    order: z.number().int().min(-1).optional().describe('Start order (-1: unset).'),
    up_delay: z.number().int().min(-1).optional().describe('Seconds to wait after starting it (-1: unset).'),
    down_delay: z
      .number()
      .int()
      .min(-1)
      .optional()
      .describe('Seconds to wait for it to shut down (-1: unset).'),
  })
  .describe('Start and shutdown order when the node boots.');

export const vmVga = z
  .strictObject({
    type: z
      .enum([
        'cirrus',
        'qxl',
        'qxl2',
        'qxl3',
        'qxl4',
        'none',
        'serial0',
        'serial1',
        'serial2',
        'serial3',
        'std',
        'virtio',
        'virtio-gl',
        'vmware',
      ])
      .optional()
      .meta({ description: 'The display adapter.', default: 'std' }),
    memory: z.number().int().min(4).max(512).optional().describe('Display memory in MiB.'),
    clipboard: z.enum(['', 'vnc']).optional().describe('`vnc` enables the VNC clipboard.'),
  })
  .describe('The display.');

export const vmEfiDisk = z
  .strictObject({
    datastore_id: DATASTORE.optional().meta({
      description: 'Storage of the EFI vars disk.',
      default: 'local-lvm',
    }),
    file_format: FILE_FORMAT.optional().meta({ description: 'Volume format.', default: "the storage's" }),
    type: z
      .enum(['2m', '4m'])
      .optional()
      .meta({ description: 'OVMF vars size; Secure Boot needs `4m`.', default: '2m' }),
    pre_enrolled_keys: z
      .boolean()
      .optional()
      .meta({ description: 'Enroll the distribution and Microsoft Secure Boot keys.', default: 'false' }),
  })
  .describe('The EFI vars disk (with `bios: ovmf`).');

export const vmTpmState = z
  .strictObject({
    datastore_id: DATASTORE.optional().meta({
      description: 'Storage of the TPM state.',
      default: 'local-lvm',
    }),
    version: z.enum(['v1.2', 'v2.0']).optional().meta({ description: 'TPM version.', default: 'v2.0' }),
  })
  .describe('A TPM (Windows 11 needs v2.0).');

export const vmSerialDevice = z
  .strictObject({
    device: z
      .string()
      .regex(
        /^socket$/,
        'socket: Proxmox lets only root@pam attach a host device (/dev/...), and pvecdk deploys with an API token',
      )
      .optional()
      .meta({
        description: '`socket` (a host device under /dev needs root@pam, which an API token never is).',
        default: 'socket',
      }),
  })
  .describe('A serial port.');

export const vmCdrom = z
  .strictObject({
    file_id: z
      .union([z.literal('cdrom'), z.literal('none'), VOLUME_ID])
      .optional()
      .meta({
        description: 'An ISO volume id, `cdrom` (the host drive) or `none` (empty drive).',
        default: 'none',
      }),
    interface: z
      .string()
      .regex(/^(ide[0-3]|sata[0-5]|scsi([0-9]|1[0-3]))$/, 'ide0-3, sata0-5 or scsi0-13')
      .optional()
      .meta({ description: 'The drive slot.', default: 'ide3' }),
  })
  .describe('A CD-ROM drive.');
