import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';

export interface VirtualEnvironmentAclConfig {
  /** `/`, `/vms/101`, `/pool/acme`, `/storage/local`. */
  readonly path: string;
  readonly roleId: Ref<string>;
  readonly userId?: Ref<string>;
  readonly groupId?: Ref<string>;
  readonly tokenId?: Ref<string>;
  readonly propagate?: boolean;
  readonly dependsOn?: Resource[];
}

const Schema = z
  .strictObject({
    path: z.string().regex(/^\/[A-Za-z0-9/._-]*$/, 'an ACL path such as / or /pool/acme'),
    roleId: zRef(z.string().min(1)),
    userId: zRef(z.string().min(1)).optional(),
    groupId: zRef(z.string().min(1)).optional(),
    tokenId: zRef(z.string().min(1)).optional(),
    propagate: z.boolean().optional(),
  })
  .refine((a) => [a.userId, a.groupId, a.tokenId].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of userId, groupId or tokenId must be set',
  });

/** `proxmox_virtual_environment_acl`: grants a role on a path to one user, group or token. */
export class VirtualEnvironmentAcl extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_acl';
  static readonly tfResourceType = VirtualEnvironmentAcl.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentAclConfig) {
    super(scope, id, { type: VirtualEnvironmentAcl.TYPE, properties: { ...config }, schema: Schema });
  }
}
