import type { Construct } from 'constructs';
import { roleType } from '../contract/types/access.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentRoleConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_role`: a custom role (a set of privileges). */
export class VirtualEnvironmentRole extends Resource {
  static readonly TYPE = roleType.type;
  static readonly tfResourceType = VirtualEnvironmentRole.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentRoleConfig) {
    super(scope, id, { type: VirtualEnvironmentRole.TYPE, properties: { ...config } });
  }

  /** The role name. */
  get roleId(): Reference {
    return this.attr('role_id');
  }
}
