import type { Construct } from 'constructs';
import { userType } from '../contract/types/access.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentUserConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_user`: a Proxmox VE user. */
export class VirtualEnvironmentUser extends Resource {
  static readonly TYPE = userType.type;
  static readonly tfResourceType = VirtualEnvironmentUser.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentUserConfig) {
    super(scope, id, { type: VirtualEnvironmentUser.TYPE, properties: { ...config } });
  }

  /** The user id. */
  get userId(): Reference {
    return this.attr('user_id');
  }
}
