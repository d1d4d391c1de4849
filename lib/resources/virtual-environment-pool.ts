import type { Construct } from 'constructs';
import { poolType } from '../contract/types/datacenter.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentPoolConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_pool`: a resource pool (one per customer on this platform). */
export class VirtualEnvironmentPool extends Resource {
  static readonly TYPE = poolType.type;
  static readonly tfResourceType = VirtualEnvironmentPool.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentPoolConfig) {
    super(scope, id, { type: VirtualEnvironmentPool.TYPE, properties: { ...config } });
  }

  /** The pool name. */
  get poolId(): Reference {
    return this.attr('pool_id');
  }
}
