import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zSecret } from '../core/schema.ts';
import type { SecretValue } from '../core/secret.ts';

export interface VirtualEnvironmentUserAcl {
  readonly path: string;
  readonly roleId: string;
  readonly propagate?: boolean;
}

export interface VirtualEnvironmentUserConfig {
  /** `name@realm`, e.g. `ops@pve`. */
  readonly userId: string;
  /** Needed for the `pve` and `pam` realms; a reference, never a literal. */
  readonly password?: SecretValue;
  readonly comment?: string;
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly enabled?: boolean;
  /** RFC 3339. */
  readonly expirationDate?: string;
  readonly groups?: string[];
  /** Deprecated by the provider in favour of VirtualEnvironmentAcl. */
  readonly acl?: VirtualEnvironmentUserAcl[];
  readonly dependsOn?: Resource[];
}

export const USER_ID = z.string().regex(/^[^\s:/@]+@[A-Za-z][A-Za-z0-9.-]*$/, 'name@realm, e.g. ops@pve');

const Schema = z.strictObject({
  userId: USER_ID,
  password: zSecret().optional(),
  comment: z.string().optional(),
  email: z.email().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  enabled: z.boolean().optional(),
  expirationDate: z.iso.datetime({ offset: true }).optional(),
  groups: z.array(z.string().min(1)).optional(),
  acl: z
    .array(
      z.strictObject({
        path: z.string().startsWith('/'),
        roleId: z.string().min(1),
        propagate: z.boolean().optional(),
      }),
    )
    .optional(),
});

/** `proxmox_virtual_environment_user`: a Proxmox VE user. */
export class VirtualEnvironmentUser extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_user';
  static readonly tfResourceType = VirtualEnvironmentUser.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentUserConfig) {
    super(scope, id, { type: VirtualEnvironmentUser.TYPE, properties: { ...config }, schema: Schema });
  }

  get userId(): Reference {
    return this.attr('user_id');
  }
}
