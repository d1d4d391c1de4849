// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentUserTokenConfig {
  /** The user the token belongs to. */
  readonly userId: Ref<string>;
  /** The token name. */
  readonly tokenName: string;
  /** A comment. */
  readonly comment?: string;
  /**
   * When the token expires (RFC 3339).
   * @default never
   */
  readonly expirationDate?: string;
  /**
   * The token's privileges are its own ACLs, intersected with the user's.
   * @default true
   */
  readonly privilegesSeparation?: boolean;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
