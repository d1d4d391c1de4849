import type { Construct } from 'constructs';
import { linuxBridgeType } from '../contract/types/network-linux-bridge.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentNetworkLinuxBridgeConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_network_linux_bridge`: a Linux bridge on one node (staged, then applied). */
export class VirtualEnvironmentNetworkLinuxBridge extends Resource {
  static readonly TYPE = linuxBridgeType.type;
  static readonly tfResourceType = VirtualEnvironmentNetworkLinuxBridge.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentNetworkLinuxBridgeConfig) {
    super(scope, id, { type: VirtualEnvironmentNetworkLinuxBridge.TYPE, properties: { ...config } });
  }

  /** The bridge name, e.g. `vmbr1`. */
  get name(): Reference {
    return this.attr('name');
  }

  /** The node. */
  get nodeName(): Reference {
    return this.attr('node_name');
  }
}
