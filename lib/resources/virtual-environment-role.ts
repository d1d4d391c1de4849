import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';

export interface VirtualEnvironmentRoleConfig {
  readonly roleId: string;
  /** e.g. `["VM.Audit", "VM.PowerMgmt"]`. */
  readonly privileges: string[];
  readonly dependsOn?: Resource[];
}

const Schema = z.strictObject({
  roleId: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, _ and -'),
  privileges: z
    .array(z.string().regex(/^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)+$/, 'a privilege such as VM.Audit'))
    .min(1)
    .refine((p) => new Set(p).size === p.length, 'privileges must be unique'),
});

/** `proxmox_virtual_environment_role`: a custom role (a set of privileges). */
export class VirtualEnvironmentRole extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_role';
  static readonly tfResourceType = VirtualEnvironmentRole.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentRoleConfig) {
    super(scope, id, { type: VirtualEnvironmentRole.TYPE, properties: { ...config }, schema: Schema });
  }

  get roleId(): Reference {
    return this.attr('role_id');
  }
}
