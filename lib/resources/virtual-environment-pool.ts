import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';

export interface VirtualEnvironmentPoolConfig {
  readonly poolId: string;
  readonly comment?: string;
  readonly dependsOn?: Resource[];
}

const Schema = z.strictObject({
  poolId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ -'),
  comment: z.string().optional(),
});

/** `proxmox_virtual_environment_pool`: a resource pool (one per customer on this platform). */
export class VirtualEnvironmentPool extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_pool';
  static readonly tfResourceType = VirtualEnvironmentPool.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentPoolConfig) {
    super(scope, id, { type: VirtualEnvironmentPool.TYPE, properties: { ...config }, schema: Schema });
  }

  get poolId(): Reference {
    return this.attr('pool_id');
  }
}
