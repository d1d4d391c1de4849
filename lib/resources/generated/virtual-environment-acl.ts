// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentAclConfig {
  /** `/`, `/vms/101`, `/pool/acme`, `/storage/local`. */
  readonly path: string;
  /** The role granted. */
  readonly roleId: Ref<string>;
  /** Grant to this user. */
  readonly userId?: Ref<string>;
  /** Grant to this group. */
  readonly groupId?: Ref<string>;
  /** Grant to this API token (`user@realm!name`). */
  readonly tokenId?: Ref<string>;
  /**
   * Also on paths below.
   * @default Proxmox's: true
   */
  readonly propagate?: boolean;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
