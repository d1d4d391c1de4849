// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { SecretValue } from '../../core/secret.ts';

export interface VirtualEnvironmentUserConfig {
  /** `name@realm`, e.g. `ops@pve`. */
  readonly userId: string;
  /** Set once, at creation, for the `pve` and `pam` realms (a secret reference). */
  readonly password?: SecretValue;
  /** A comment. */
  readonly comment?: string;
  /** E-mail address. */
  readonly email?: string;
  /** First name. */
  readonly firstName?: string;
  /** Last name. */
  readonly lastName?: string;
  /**
   * Whether the user may log in.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * When the account expires (RFC 3339).
   * @default never
   */
  readonly expirationDate?: string;
  /** Groups the user is in. */
  readonly groups?: string[];
  /** The user's direct grants (deprecated by the provider in favour of the ACL resource). */
  readonly acl?: VirtualEnvironmentUserAcl[];
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}

export interface VirtualEnvironmentUserAcl {
  /** An ACL path. */
  readonly path: string;
  /** The role granted. */
  readonly roleId: string;
  /**
   * Also on paths below.
   * @default true
   */
  readonly propagate?: boolean;
}
