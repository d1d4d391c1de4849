// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { GuestTarget } from './guest-target.ts';

export interface RdsShortcutConfig {
  /** The guest a resource changes: the VM (for snapshots) and its SSH endpoint. */
  readonly target: GuestTarget;
  /** The RDS user. */
  readonly userName: string;
  /** The 4D server this shortcut opens. */
  readonly serverName: string;
  /** Where the `.4DLink` file goes on the RDS host. */
  readonly linkPath: string;
  /** The rendered `.4DLink`. */
  readonly linkContent: string;
  /** Where the `.lnk` shortcut goes. */
  readonly shortcutPath: string;
  /** The ShowGrounds client the shortcut starts. */
  readonly clientExe: string;
  /** The shortcut's description. */
  readonly description: string;
  /** Rendered idempotent PowerShell that writes both. */
  readonly script: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
