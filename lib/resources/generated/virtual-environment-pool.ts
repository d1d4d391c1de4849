// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentPoolConfig {
  /** The pool name. */
  readonly poolId: string;
  /** A comment. */
  readonly comment?: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
