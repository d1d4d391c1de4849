// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';
import type { SecretValue } from '../../core/secret.ts';
import type { VirtualEnvironmentVmPublicKeyRef } from './virtual-environment-vm-public-key-ref.ts';

export interface VirtualEnvironmentVmConfig {
  /** The node the VM runs on. */
  readonly nodeName: Ref<string>;
  /** The VM id. */
  readonly vmId: Ref<number>;
  /** The VM name (a DNS name). */
  readonly name?: string;
  /** Notes shown in the Proxmox GUI. */
  readonly description?: string;
  /** Tags; pvecdk adds its ownership tags to them. */
  readonly tags?: string[];
  /** The resource pool the VM belongs to. */
  readonly poolId?: Ref<string>;
  /**
   * Start the VM when its node boots.
   * @default Proxmox's: false
   */
  readonly onBoot?: boolean;
  /**
   * Keep the VM running (`false`: keep it stopped).
   * @default true
   */
  readonly started?: boolean;
  /**
   * Turn the VM into a template (cannot be undone; going back replaces it).
   * @default false
   */
  readonly template?: boolean;
  /**
   * Reboot the VM once after it was created.
   * @default false
   */
  readonly reboot?: boolean;
  /**
   * Reboot a running VM when an update left changes pending that only a reboot applies (pvecdk never reboots unasked: unlike the provider, the default is false, and pending changes are reported).
   * @default false
   */
  readonly rebootAfterUpdate?: boolean;
  /**
   * Migrate the VM when `nodeName` changes, instead of replacing it.
   * @default false
   */
  readonly migrate?: boolean;
  /**
   * Protect the VM and its disks from removal.
   * @default Proxmox's: false
   */
  readonly protection?: boolean;
  /**
   * ACPI support.
   * @default Proxmox's: true
   */
  readonly acpi?: boolean;
  /**
   * The firmware; `ovmf` for UEFI (with `efiDisk`).
   * @default Proxmox's: seabios
   */
  readonly bios?: 'seabios' | 'ovmf';
  /**
   * The machine type.
   * @default Proxmox's: pc (i440fx)
   */
  readonly machine?: string;
  /** Boot devices in order, e.g. `["scsi0", "net0"]`. */
  readonly bootOrder?: string[];
  /**
   * The SCSI controller.
   * @default Proxmox's: lsi
   */
  readonly scsiHardware?:
    | 'virtio-scsi-pci'
    | 'virtio-scsi-single'
    | 'lsi'
    | 'lsi53c810'
    | 'megasas'
    | 'pvscsi';
  /** The VNC keyboard layout, e.g. `de`. */
  readonly keyboardLayout?: string;
  /**
   * Hot-pluggable features.
   * @default Proxmox's: network,disk,usb
   */
  readonly hotplug?: string;
  /**
   * A USB tablet for absolute pointer positions.
   * @default Proxmox's: true
   */
  readonly tabletDevice?: boolean;
  /**
   * On destroy, stop the VM at once instead of shutting it down (ACPI) first.
   * @default false
   */
  readonly stopOnDestroy?: boolean;
  /**
   * On destroy, also remove the VM from backup jobs, replication and HA.
   * @default true
   */
  readonly purgeOnDestroy?: boolean;
  /**
   * On destroy, also delete disks of this VM id that its config does not list.
   * @default true
   */
  readonly deleteUnreferencedDisksOnDestroy?: boolean;
  /** Create the VM as a clone of a template. */
  readonly clone?: VirtualEnvironmentVmClone;
  /** Processors. */
  readonly cpu?: VirtualEnvironmentVmCpu;
  /** Memory. */
  readonly memory?: VirtualEnvironmentVmMemory;
  /** The QEMU guest agent. */
  readonly agent?: VirtualEnvironmentVmAgent;
  /** Disks, one per slot. */
  readonly disk?: VirtualEnvironmentVmDisk[];
  /** NICs, `net0` first. */
  readonly networkDevice?: VirtualEnvironmentVmNetworkDevice[];
  /** Cloud-init. */
  readonly initialization?: VirtualEnvironmentVmInitialization;
  /** The guest operating system. */
  readonly operatingSystem?: VirtualEnvironmentVmOperatingSystem;
  /** Start and shutdown order when the node boots. */
  readonly startup?: VirtualEnvironmentVmStartup;
  /** The display. */
  readonly vga?: VirtualEnvironmentVmVga;
  /** The EFI vars disk (with `bios: ovmf`). */
  readonly efiDisk?: VirtualEnvironmentVmEfiDisk;
  /** A TPM (Windows 11 needs v2.0). */
  readonly tpmState?: VirtualEnvironmentVmTpmState;
  /** Serial ports, `serial0` first. */
  readonly serialDevice?: VirtualEnvironmentVmSerialDevice[];
  /** A CD-ROM drive. */
  readonly cdrom?: VirtualEnvironmentVmCdrom;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}

/** Create the VM as a clone of a template. */
export interface VirtualEnvironmentVmClone {
  /** The template (or VM) to clone. */
  readonly vmId: Ref<number>;
  /**
   * The node the template is on.
   * @default found in the cluster inventory
   */
  readonly nodeName?: Ref<string>;
  /**
   * Target storage for all disks of a full clone.
   * @default the template's storages
   */
  readonly datastoreId?: string;
  /**
   * A full copy (`false`: a linked clone).
   * @default true
   */
  readonly full?: boolean;
  /**
   * How often to try the clone.
   * @remarks Not applied by the engine yet, so synthesis refuses it: the engine retries transient failures of every action itself; remove it.
   */
  readonly retries?: number;
}

/** Processors. */
export interface VirtualEnvironmentVmCpu {
  /**
   * Cores per socket.
   * @default 1
   */
  readonly cores?: number;
  /**
   * CPU sockets.
   * @default 1
   */
  readonly sockets?: number;
  /**
   * The emulated CPU type, e.g. `x86-64-v2-AES` or `host`.
   * @default kvm64
   */
  readonly type?: string;
  /** CPU flags to add (`+aes`) or remove (`-pcid`); needs `type`. */
  readonly flags?: string[];
  /**
   * CPU usage limit (cores; 0: none).
   * @default 0
   */
  readonly limit?: number;
  /**
   * CPU weight against other VMs.
   * @default 100
   */
  readonly units?: number;
  /**
   * Enable NUMA.
   * @default false
   */
  readonly numa?: boolean;
  /**
   * vCPUs present at start (`vcpus`); 0: all.
   * @default 0
   */
  readonly hotplugged?: number;
  /**
   * Host cores the VM runs on, e.g. `0-3`.
   * @remarks Not applied by the engine yet, so synthesis refuses it: Proxmox lets only root@pam set it, and pvecdk deploys with an API token; set it on the template instead.
   */
  readonly affinity?: string;
  /**
   * The emulated architecture.
   * @remarks Not applied by the engine yet, so synthesis refuses it: Proxmox lets only root@pam set it, and pvecdk deploys with an API token; set it on the template instead.
   */
  readonly architecture?: 'x86_64' | 'aarch64';
}

/** Memory. */
export interface VirtualEnvironmentVmMemory {
  /**
   * Memory in MiB.
   * @default 512
   */
  readonly dedicated?: number;
  /**
   * Ballooning minimum in MiB; 0 disables the balloon device.
   * @default Proxmox: the balloon is on
   */
  readonly floating?: number;
  /**
   * Shared memory (ivshmem) in MiB.
   * @remarks Not applied by the engine yet, so synthesis refuses it: shared memory (ivshmem) devices are not managed by pvecdk yet.
   */
  readonly shared?: number;
  /**
   * Back memory with huge pages.
   * @remarks Not applied by the engine yet, so synthesis refuses it: Proxmox lets only root@pam set it, and pvecdk deploys with an API token; set it on the template instead.
   */
  readonly hugepages?: '2' | '1024' | 'any';
  /**
   * Keep huge pages after the VM stops.
   * @remarks Not applied by the engine yet, so synthesis refuses it: Proxmox lets only root@pam set it, and pvecdk deploys with an API token; set it on the template instead.
   */
  readonly keepHugepages?: boolean;
}

/** The QEMU guest agent. */
export interface VirtualEnvironmentVmAgent {
  /**
   * Enable the QEMU guest agent device.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * How long to wait for the agent to report addresses.
   * @remarks Not applied by the engine yet, so synthesis refuses it: pvecdk does not wait for the guest agent; remove it.
   */
  readonly timeout?: string;
  /**
   * Run fstrim after moving or cloning a disk.
   * @default false
   */
  readonly trim?: boolean;
  /**
   * The agent device.
   * @default virtio
   */
  readonly type?: 'virtio' | 'isa';
}

/** A disk. */
export interface VirtualEnvironmentVmDisk {
  /** `scsi0`, `virtio1`, `sata0`, `ide0`. */
  readonly interface: string;
  /**
   * The storage the disk lives on.
   * @default local-lvm
   */
  readonly datastoreId?: string;
  /**
   * GiB; a disk can only grow.
   * @default 8
   */
  readonly size?: number;
  /**
   * The volume format.
   * @default the storage's
   */
  readonly fileFormat?: 'raw' | 'qcow2' | 'vmdk';
  /**
   * Import this image volume when the disk is created.
   * @remarks Not applied by the engine yet, so synthesis refuses it: disks are created empty or cloned from the template; import images into the template.
   */
  readonly importFrom?: string;
  /**
   * An existing disk image volume to use.
   * @remarks Not applied by the engine yet, so synthesis refuses it: disks are created empty or cloned from the template; attach existing images to the template.
   */
  readonly fileId?: string;
  /**
   * Asynchronous I/O mode.
   * @default io_uring
   */
  readonly aio?: 'io_uring' | 'native' | 'threads';
  /**
   * Cache mode.
   * @default none
   */
  readonly cache?: 'none' | 'directsync' | 'writethrough' | 'writeback' | 'unsafe';
  /**
   * Pass discard/trim to the storage.
   * @default ignore
   */
  readonly discard?: 'ignore' | 'on';
  /**
   * A separate I/O thread.
   * @default false
   */
  readonly iothread?: boolean;
  /**
   * Present the disk as an SSD.
   * @default false
   */
  readonly ssd?: boolean;
  /**
   * Include the disk in backups.
   * @default true
   */
  readonly backup?: boolean;
  /**
   * Include the disk in replication.
   * @default true
   */
  readonly replicate?: boolean;
  /** The serial number the guest sees. */
  readonly serial?: string;
  /**
   * What happens to the disk's data (pvecdk's own, never sent to Proxmox): `delete` lets a removal or a VM delete/replace destroy it, with --allow-destroy-data; `detach` keeps it as an unused disk of the VM when it leaves the plan; `retain` refuses anything that would destroy it.
   * @default delete
   */
  readonly lifecycle?: 'delete' | 'detach' | 'retain';
  /** Throughput limits. */
  readonly speed?: VirtualEnvironmentVmDiskSpeed;
}

/** Throughput limits. */
export interface VirtualEnvironmentVmDiskSpeed {
  /** Read IOPS limit. */
  readonly iopsRead?: number;
  /** Read IOPS burst limit. */
  readonly iopsReadBurstable?: number;
  /** Write IOPS limit. */
  readonly iopsWrite?: number;
  /** Write IOPS burst limit. */
  readonly iopsWriteBurstable?: number;
  /** Read limit in MB/s. */
  readonly read?: number;
  /** Read burst limit in MB/s. */
  readonly readBurstable?: number;
  /** Write limit in MB/s. */
  readonly write?: number;
  /** Write burst limit in MB/s. */
  readonly writeBurstable?: number;
}

/** A network interface. */
export interface VirtualEnvironmentVmNetworkDevice {
  /**
   * The bridge the NIC is on.
   * @default vmbr0
   */
  readonly bridge?: string;
  /**
   * The NIC model.
   * @default virtio
   */
  readonly model?: 'virtio' | 'e1000' | 'e1000e' | 'rtl8139' | 'vmxnet3';
  /**
   * The MAC address.
   * @default Proxmox generates one
   */
  readonly macAddress?: Ref<string>;
  /**
   * VLAN tag (0: untagged).
   * @default 0
   */
  readonly vlanId?: number;
  /** VLAN trunks, `10;20;30`. */
  readonly trunks?: string;
  /**
   * Filter this NIC with the VM's firewall.
   * @default false
   */
  readonly firewall?: boolean;
  /** MTU (1: the bridge's). */
  readonly mtu?: number;
  /** Packet queues (VirtIO). */
  readonly queues?: number;
  /** Rate limit in MB/s. */
  readonly rateLimit?: number;
  /**
   * Link down.
   * @default false
   */
  readonly disconnected?: boolean;
}

/** Cloud-init. */
export interface VirtualEnvironmentVmInitialization {
  /**
   * Storage of the cloud-init drive.
   * @default local-lvm
   */
  readonly datastoreId?: string;
  /**
   * The drive slot of the cloud-init drive.
   * @default ide2
   */
  readonly interface?: string;
  /**
   * The cloud-init format.
   * @default Proxmox: nocloud for Linux, configdrive2 for Windows
   */
  readonly type?: 'configdrive2' | 'nocloud';
  /** DNS settings. */
  readonly dns?: VirtualEnvironmentVmInitializationDns;
  /** Addresses, one entry per NIC in order. */
  readonly ipConfig?: VirtualEnvironmentVmInitializationIpConfig[];
  /** The cloud-init user. */
  readonly userAccount?: VirtualEnvironmentVmInitializationUserAccount;
  /** A snippet volume replacing the generated user data. */
  readonly userDataFileId?: Ref<string>;
  /** A snippet volume replacing the generated vendor data. */
  readonly vendorDataFileId?: Ref<string>;
  /** A snippet volume replacing the generated meta data. */
  readonly metaDataFileId?: Ref<string>;
}

export interface VirtualEnvironmentVmInitializationDns {
  /** The DNS search domain. */
  readonly domain?: string;
  /** DNS servers. */
  readonly servers?: string[];
}

export interface VirtualEnvironmentVmInitializationIpConfig {
  /** IPv4 address and gateway. */
  readonly ipv4?: VirtualEnvironmentVmInitializationIpConfigIpv4;
  /** IPv6 address and gateway. */
  readonly ipv6?: VirtualEnvironmentVmInitializationIpConfigIpv6;
}

export interface VirtualEnvironmentVmInitializationIpConfigIpv4 {
  /** A CIDR, `dhcp`, or (IPv6) `auto`. */
  readonly address?: 'dhcp' | 'auto' | Ref<string>;
  /** The default gateway. */
  readonly gateway?: Ref<string>;
}

export interface VirtualEnvironmentVmInitializationIpConfigIpv6 {
  /** A CIDR, `dhcp`, or (IPv6) `auto`. */
  readonly address?: 'dhcp' | 'auto' | Ref<string>;
  /** The default gateway. */
  readonly gateway?: Ref<string>;
}

export interface VirtualEnvironmentVmInitializationUserAccount {
  /** The user cloud-init creates. */
  readonly username?: string;
  /** The user's password (a secret reference). */
  readonly password?: SecretValue;
  /** SSH public keys: `authorizedKeys` lines, or the public half of a key held as a secret. */
  readonly keys?: (string | VirtualEnvironmentVmPublicKeyRef)[];
}

/** The guest operating system. */
export interface VirtualEnvironmentVmOperatingSystem {
  /**
   * The guest OS type Proxmox tunes for.
   * @default other
   */
  readonly type?:
    | 'other'
    | 'l24'
    | 'l26'
    | 'solaris'
    | 'w2k'
    | 'w2k3'
    | 'w2k8'
    | 'wvista'
    | 'wxp'
    | 'win7'
    | 'win8'
    | 'win10'
    | 'win11';
}

/** Start and shutdown order when the node boots. */
export interface VirtualEnvironmentVmStartup {
  /** Start order (-1: unset). */
  readonly order?: number;
  /** Seconds to wait after starting it (-1: unset). */
  readonly upDelay?: number;
  /** Seconds to wait for it to shut down (-1: unset). */
  readonly downDelay?: number;
}

/** The display. */
export interface VirtualEnvironmentVmVga {
  /**
   * The display adapter.
   * @default std
   */
  readonly type?:
    | 'cirrus'
    | 'qxl'
    | 'qxl2'
    | 'qxl3'
    | 'qxl4'
    | 'none'
    | 'serial0'
    | 'serial1'
    | 'serial2'
    | 'serial3'
    | 'std'
    | 'virtio'
    | 'virtio-gl'
    | 'vmware';
  /** Display memory in MiB. */
  readonly memory?: number;
  /** `vnc` enables the VNC clipboard. */
  readonly clipboard?: '' | 'vnc';
}

/** The EFI vars disk (with `bios: ovmf`). */
export interface VirtualEnvironmentVmEfiDisk {
  /**
   * Storage of the EFI vars disk.
   * @default local-lvm
   */
  readonly datastoreId?: string;
  /**
   * Volume format.
   * @default the storage's
   */
  readonly fileFormat?: 'raw' | 'qcow2' | 'vmdk';
  /**
   * OVMF vars size; Secure Boot needs `4m`.
   * @default 2m
   */
  readonly type?: '2m' | '4m';
  /**
   * Enroll the distribution and Microsoft Secure Boot keys.
   * @default false
   */
  readonly preEnrolledKeys?: boolean;
}

/** A TPM (Windows 11 needs v2.0). */
export interface VirtualEnvironmentVmTpmState {
  /**
   * Storage of the TPM state.
   * @default local-lvm
   */
  readonly datastoreId?: string;
  /**
   * TPM version.
   * @default v2.0
   */
  readonly version?: 'v1.2' | 'v2.0';
}

/** A serial port. */
export interface VirtualEnvironmentVmSerialDevice {
  /**
   * `socket` (a host device under /dev needs root@pam, which an API token never is).
   * @default socket
   */
  readonly device?: string;
}

/** A CD-ROM drive. */
export interface VirtualEnvironmentVmCdrom {
  /**
   * An ISO volume id, `cdrom` (the host drive) or `none` (empty drive).
   * @default none
   */
  readonly fileId?: 'cdrom' | 'none' | string;
  /**
   * The drive slot.
   * @default ide3
   */
  readonly interface?: string;
}
