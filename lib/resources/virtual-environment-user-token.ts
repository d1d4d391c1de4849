import type { Construct } from 'constructs';
import { userTokenType } from '../contract/types/access.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentUserTokenConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_user_token`: an API token; its secret value is kept in the local secret store. */
export class VirtualEnvironmentUserToken extends Resource {
  static readonly TYPE = userTokenType.type;
  static readonly tfResourceType = VirtualEnvironmentUserToken.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentUserTokenConfig) {
    super(scope, id, { type: VirtualEnvironmentUserToken.TYPE, properties: { ...config } });
  }

  /** `user@realm!token`. */
  get id(): Reference {
    return this.attr('id');
  }

  /** The token secret: a deploy-time reference that resolves into the secret store, never into a plan. */
  get value(): Reference {
    return this.attr('value');
  }
}
