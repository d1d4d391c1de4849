import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { zSecret } from '../../core/schema.ts';
import type { SecretValue } from '../../core/secret.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

export interface RdsUserConfig {
  /** The Windows RDS host. */
  readonly target: GuestTarget;
  /** Local Windows account name (at most 20 characters, as Windows requires). */
  readonly userName: string;
  readonly fullName?: string;
  readonly password: SecretValue;
  /** Local groups; "Remote Desktop Users" lets the user log on through RDP. */
  readonly groups: string[];
  /** Rendered idempotent PowerShell that converges the account. */
  readonly script: string;
}

/** A local user on the RDS host who may log on through Remote Desktop. */
export class RdsUser extends Resource {
  static readonly TYPE = 'pvecdk_rds_user';

  constructor(scope: Construct, id: string, config: RdsUserConfig) {
    super(scope, id, {
      type: RdsUser.TYPE,
      properties: { ...config },
      schema: z.strictObject({
        target: GuestTargetSchema,
        userName: z
          .string()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/,
            'at most 20 letters, digits, . _ - (a Windows account name)',
          ),
        fullName: z.string().max(256).optional(),
        password: zSecret(),
        groups: z.array(z.string().min(1)).min(1),
        script: z.string().min(1),
      }),
    });
  }
}
