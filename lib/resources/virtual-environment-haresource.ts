import type { Construct } from 'constructs';
import { haResourceType } from '../contract/types/datacenter.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentHaresourceConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_haresource`: puts a VM under Proxmox HA. */
export class VirtualEnvironmentHaresource extends Resource {
  static readonly TYPE = haResourceType.type;
  static readonly tfResourceType = VirtualEnvironmentHaresource.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentHaresourceConfig) {
    super(scope, id, { type: VirtualEnvironmentHaresource.TYPE, properties: { ...config } });
  }
}
