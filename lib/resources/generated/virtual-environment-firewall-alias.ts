// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentFirewallAliasConfig {
  /** The node; with `vmId`, the node the VM runs on. Unset: the datacenter. */
  readonly nodeName?: Ref<string>;
  /** A VM's firewall (with `nodeName`). Unset: the node's or the datacenter's. */
  readonly vmId?: Ref<number>;
  /**
   * A container's firewall (with `nodeName`).
   * @remarks Not applied by the engine yet, so synthesis refuses it: containers (LXC) are not managed by pvecdk; use vm_id for a VM, or neither for the datacenter.
   */
  readonly containerId?: Ref<number>;
  /** The alias name (Proxmox compares it without regard to case). */
  readonly name: string;
  /** The address or CIDR it names. */
  readonly cidr: string;
  /** A comment. */
  readonly comment?: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
