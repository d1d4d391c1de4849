import type { Construct } from 'constructs';
import { aclType } from '../contract/types/access.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentAclConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_acl`: grants a role on a path to one user, group or token. */
export class VirtualEnvironmentAcl extends Resource {
  static readonly TYPE = aclType.type;
  static readonly tfResourceType = VirtualEnvironmentAcl.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentAclConfig) {
    super(scope, id, { type: VirtualEnvironmentAcl.TYPE, properties: { ...config } });
  }
}
