// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentHaresourceConfig {
  /** `vm:<id>` or `ct:<id>`. */
  readonly resourceId: Ref<string>;
  /**
   * The state HA keeps it in.
   * @default started
   */
  readonly state?: 'started' | 'stopped' | 'disabled' | 'ignored';
  /** The guest type; it must match the `resourceId` prefix. */
  readonly type?: 'vm' | 'ct';
  /** The HA group (PVE 8). */
  readonly group?: string;
  /**
   * Relocation attempts after a failed start.
   * @default Proxmox's: 1
   */
  readonly maxRelocate?: number;
  /**
   * Restart attempts after a failure.
   * @default Proxmox's: 1
   */
  readonly maxRestart?: number;
  /** A comment. */
  readonly comment?: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
