import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref, Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';
import { USER_ID } from './virtual-environment-user.ts';

export interface VirtualEnvironmentUserTokenConfig {
  readonly userId: Ref<string>;
  readonly tokenName: string;
  readonly comment?: string;
  readonly expirationDate?: string;
  /** Default true: the token's privileges are its own ACLs, intersected with the user's. */
  readonly privilegesSeparation?: boolean;
  readonly dependsOn?: Resource[];
}

const Schema = z.strictObject({
  userId: zRef(USER_ID),
  tokenName: z.string().regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'letters, digits, . _ -, starting with a letter'),
  comment: z.string().optional(),
  expirationDate: z.iso.datetime({ offset: true }).optional(),
  privilegesSeparation: z.boolean().optional(),
});

/** `proxmox_virtual_environment_user_token`: an API token; its secret value is kept in the local secret store. */
export class VirtualEnvironmentUserToken extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_user_token';
  static readonly tfResourceType = VirtualEnvironmentUserToken.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentUserTokenConfig) {
    super(scope, id, { type: VirtualEnvironmentUserToken.TYPE, properties: { ...config }, schema: Schema });
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
