// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentRoleConfig {
  /** The role name. */
  readonly roleId: string;
  /** e.g. `["VM.Audit", "VM.PowerMgmt"]`. */
  readonly privileges: string[];
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
