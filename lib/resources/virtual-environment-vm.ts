import type { Construct } from 'constructs';
import { vmType } from '../contract/types/vm.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentVmConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_vm`: a QEMU VM, usually cloned from a template. */
export class VirtualEnvironmentVm extends Resource {
  static readonly TYPE = vmType.type;
  static readonly tfResourceType = VirtualEnvironmentVm.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentVmConfig) {
    super(scope, id, { type: VirtualEnvironmentVm.TYPE, properties: { ...config } });
  }

  /** The VM id. */
  get vmId(): Reference {
    return this.attr('vm_id');
  }

  /** The node the VM runs on. */
  get nodeName(): Reference {
    return this.attr('node_name');
  }

  /** MAC addresses of the network devices, `net0` first (known after create). */
  get macAddresses(): Reference {
    return this.attr('mac_addresses');
  }
}
