// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { GuestTarget } from './guest-target.ts';

export interface GuestCommandConfig {
  /** The guest a resource changes: the VM (for snapshots) and its SSH endpoint. */
  readonly target: GuestTarget;
  /** Converges the guest; must be idempotent (running it twice changes nothing). */
  readonly command: string;
  /** Exits 0 when the guest is already as wanted; the engine then skips `command`. */
  readonly check?: string;
  /** Values whose change reruns the command even when `check` passes. */
  readonly triggers?: Record<string, string>;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
