// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { GuestTarget } from './guest-target.ts';

export interface GuestFileConfig {
  /** The guest a resource changes: the VM (for snapshots) and its SSH endpoint. */
  readonly target: GuestTarget;
  /** Absolute path in the guest. */
  readonly path: string;
  /** The file content. */
  readonly content: string;
  /**
   * POSIX mode; ignored on Windows.
   * @default 0644
   */
  readonly mode?: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
