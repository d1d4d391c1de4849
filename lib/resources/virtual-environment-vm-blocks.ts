import type { Ref } from '../core/reference.ts';
import type { SecretValue } from '../core/secret.ts';

/** Nested blocks of `proxmox_virtual_environment_vm`, named as the cdktf bindings name them. */

export interface VirtualEnvironmentVmClone {
  readonly vmId: Ref<number>;
  readonly nodeName?: Ref<string>;
  readonly datastoreId?: string;
  readonly full?: boolean;
  readonly retries?: number;
}

export interface VirtualEnvironmentVmCpu {
  readonly cores?: number;
  readonly sockets?: number;
  readonly type?: string;
  readonly flags?: string[];
  readonly limit?: number;
  readonly units?: number;
  readonly numa?: boolean;
  readonly hotplugged?: number;
  readonly affinity?: string;
  readonly architecture?: 'x86_64' | 'aarch64';
}

export interface VirtualEnvironmentVmMemory {
  /** MiB. */
  readonly dedicated?: number;
  /** MiB; 0 disables the balloon. */
  readonly floating?: number;
  readonly shared?: number;
  readonly hugepages?: '2' | '1024' | 'any';
  readonly keepHugepages?: boolean;
}

export interface VirtualEnvironmentVmAgent {
  readonly enabled?: boolean;
  readonly timeout?: string;
  readonly trim?: boolean;
  readonly type?: 'virtio' | 'isa';
}

export interface VirtualEnvironmentVmDiskSpeed {
  readonly iopsRead?: number;
  readonly iopsReadBurstable?: number;
  readonly iopsWrite?: number;
  readonly iopsWriteBurstable?: number;
  readonly read?: number;
  readonly readBurstable?: number;
  readonly write?: number;
  readonly writeBurstable?: number;
}

export interface VirtualEnvironmentVmDisk {
  /** `scsi0`, `virtio1`, `sata0`, `ide0`. */
  readonly interface: string;
  readonly datastoreId?: string;
  /** GiB; can only grow. */
  readonly size?: number;
  readonly fileFormat?: 'raw' | 'qcow2' | 'vmdk';
  readonly importFrom?: string;
  readonly fileId?: string;
  readonly aio?: 'io_uring' | 'native' | 'threads';
  readonly cache?: 'none' | 'directsync' | 'writethrough' | 'writeback' | 'unsafe';
  readonly discard?: 'ignore' | 'on';
  readonly iothread?: boolean;
  readonly ssd?: boolean;
  readonly backup?: boolean;
  readonly replicate?: boolean;
  readonly serial?: string;
  readonly speed?: VirtualEnvironmentVmDiskSpeed;
  /**
   * What happens to the disk's data (a pvecdk extension, never sent to
   * Proxmox): `delete` (default) lets a removal or a VM delete/replace destroy
   * it, with --allow-destroy-data; `detach` keeps it as an unused disk of the
   * VM when it leaves the plan; `retain` refuses anything that would destroy
   * it, even with --allow-destroy-data, until the lifecycle is changed.
   */
  readonly lifecycle?: 'delete' | 'detach' | 'retain';
}

export interface VirtualEnvironmentVmNetworkDevice {
  readonly bridge?: string;
  readonly model?: 'virtio' | 'e1000' | 'e1000e' | 'rtl8139' | 'vmxnet3';
  readonly macAddress?: string;
  readonly vlanId?: number;
  readonly trunks?: string;
  readonly firewall?: boolean;
  readonly mtu?: number;
  readonly queues?: number;
  readonly rateLimit?: number;
  readonly disconnected?: boolean;
}

export interface VirtualEnvironmentVmInitializationIpConfigIpv4 {
  /** CIDR or `dhcp`. */
  readonly address?: string;
  readonly gateway?: string;
}

export interface VirtualEnvironmentVmInitializationIpConfigIpv6 {
  /** CIDR, `dhcp` or `auto`. */
  readonly address?: string;
  readonly gateway?: string;
}

export interface VirtualEnvironmentVmInitializationIpConfig {
  readonly ipv4?: VirtualEnvironmentVmInitializationIpConfigIpv4;
  readonly ipv6?: VirtualEnvironmentVmInitializationIpConfigIpv6;
}

export interface VirtualEnvironmentVmInitializationDns {
  readonly domain?: string;
  readonly servers?: string[];
}

export interface VirtualEnvironmentVmInitializationUserAccount {
  readonly username?: string;
  readonly password?: SecretValue;
  /** SSH public keys. */
  readonly keys?: string[];
}

export interface VirtualEnvironmentVmInitialization {
  readonly datastoreId?: string;
  readonly interface?: string;
  readonly type?: 'configdrive2' | 'nocloud';
  readonly dns?: VirtualEnvironmentVmInitializationDns;
  readonly ipConfig?: VirtualEnvironmentVmInitializationIpConfig[];
  readonly userAccount?: VirtualEnvironmentVmInitializationUserAccount;
  readonly userDataFileId?: Ref<string>;
  readonly vendorDataFileId?: Ref<string>;
  readonly metaDataFileId?: Ref<string>;
}

export interface VirtualEnvironmentVmOperatingSystem {
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

export interface VirtualEnvironmentVmStartup {
  readonly order?: number;
  readonly upDelay?: number;
  readonly downDelay?: number;
}

export interface VirtualEnvironmentVmVga {
  readonly type?: string;
  readonly memory?: number;
  readonly clipboard?: '' | 'vnc';
}

export interface VirtualEnvironmentVmEfiDisk {
  readonly datastoreId?: string;
  readonly fileFormat?: 'raw' | 'qcow2' | 'vmdk';
  readonly type?: '2m' | '4m';
  readonly preEnrolledKeys?: boolean;
}

export interface VirtualEnvironmentVmTpmState {
  readonly datastoreId?: string;
  readonly version?: 'v1.2' | 'v2.0';
}

export interface VirtualEnvironmentVmSerialDevice {
  readonly device?: string;
}

export interface VirtualEnvironmentVmCdrom {
  readonly fileId?: string;
  readonly interface?: string;
}
