import type { Construct } from 'constructs';
import type { Ref, Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type {
  VirtualEnvironmentVmAgent,
  VirtualEnvironmentVmCdrom,
  VirtualEnvironmentVmClone,
  VirtualEnvironmentVmCpu,
  VirtualEnvironmentVmDisk,
  VirtualEnvironmentVmEfiDisk,
  VirtualEnvironmentVmInitialization,
  VirtualEnvironmentVmMemory,
  VirtualEnvironmentVmNetworkDevice,
  VirtualEnvironmentVmOperatingSystem,
  VirtualEnvironmentVmSerialDevice,
  VirtualEnvironmentVmStartup,
  VirtualEnvironmentVmTpmState,
  VirtualEnvironmentVmVga,
} from './virtual-environment-vm-blocks.ts';
import { VirtualEnvironmentVmConfigSchema } from './virtual-environment-vm-schema.ts';

export interface VirtualEnvironmentVmConfig {
  readonly nodeName: Ref<string>;
  readonly vmId?: Ref<number>;
  readonly name?: string;
  readonly description?: string;
  readonly tags?: string[];
  readonly poolId?: Ref<string>;
  readonly onBoot?: boolean;
  readonly started?: boolean;
  readonly template?: boolean;
  readonly reboot?: boolean;
  readonly rebootAfterUpdate?: boolean;
  readonly migrate?: boolean;
  readonly protection?: boolean;
  readonly acpi?: boolean;
  readonly bios?: 'seabios' | 'ovmf';
  readonly machine?: string;
  readonly bootOrder?: string[];
  readonly scsiHardware?:
    | 'virtio-scsi-pci'
    | 'virtio-scsi-single'
    | 'lsi'
    | 'lsi53c810'
    | 'megasas'
    | 'pvscsi';
  readonly keyboardLayout?: string;
  readonly hotplug?: string;
  readonly tabletDevice?: boolean;
  readonly stopOnDestroy?: boolean;
  readonly purgeOnDestroy?: boolean;
  readonly deleteUnreferencedDisksOnDestroy?: boolean;
  readonly clone?: VirtualEnvironmentVmClone;
  readonly cpu?: VirtualEnvironmentVmCpu;
  readonly memory?: VirtualEnvironmentVmMemory;
  readonly agent?: VirtualEnvironmentVmAgent;
  readonly disk?: VirtualEnvironmentVmDisk[];
  readonly networkDevice?: VirtualEnvironmentVmNetworkDevice[];
  readonly initialization?: VirtualEnvironmentVmInitialization;
  readonly operatingSystem?: VirtualEnvironmentVmOperatingSystem;
  readonly startup?: VirtualEnvironmentVmStartup;
  readonly vga?: VirtualEnvironmentVmVga;
  readonly efiDisk?: VirtualEnvironmentVmEfiDisk;
  readonly tpmState?: VirtualEnvironmentVmTpmState;
  readonly serialDevice?: VirtualEnvironmentVmSerialDevice[];
  readonly cdrom?: VirtualEnvironmentVmCdrom;
  /** Created after these (cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}

/** `proxmox_virtual_environment_vm`: a QEMU VM, usually cloned from a template. */
export class VirtualEnvironmentVm extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_vm';
  static readonly tfResourceType = VirtualEnvironmentVm.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentVmConfig) {
    super(scope, id, {
      type: VirtualEnvironmentVm.TYPE,
      properties: { ...config },
      schema: VirtualEnvironmentVmConfigSchema,
    });
  }

  get vmId(): Reference {
    return this.attr('vm_id');
  }

  get nodeName(): Reference {
    return this.attr('node_name');
  }

  /** MAC addresses of the network devices, in order (known after create). */
  get macAddresses(): Reference {
    return this.attr('mac_addresses');
  }

  /** IPv4 addresses per interface, from the guest agent. */
  get ipv4Addresses(): Reference {
    return this.attr('ipv4_addresses');
  }
}
