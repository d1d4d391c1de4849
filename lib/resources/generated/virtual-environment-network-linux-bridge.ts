// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentNetworkLinuxBridgeConfig {
  /** The node the bridge is on. */
  readonly nodeName: Ref<string>;
  /** `vmbrN`: letters, digits and _, at most 10 characters. */
  readonly name: string;
  /** The node's IPv4 address on the bridge, with prefix. */
  readonly address?: Ref<string>;
  /** The node's IPv6 address on the bridge, with prefix. */
  readonly address6?: string;
  /** IPv4 default gateway. */
  readonly gateway?: Ref<string>;
  /** IPv6 default gateway. */
  readonly gateway6?: string;
  /**
   * Bring the bridge up at boot.
   * @default true
   */
  readonly autostart?: boolean;
  /** A comment. */
  readonly comment?: string;
  /** MTU. */
  readonly mtu?: number;
  /**
   * Member interfaces, e.g. `["eno1"]`.
   * @default none
   */
  readonly ports?: string[];
  /**
   * VLAN aware.
   * @default false
   */
  readonly vlanAware?: boolean;
  /**
   * VLANs a VLAN-aware bridge carries, `2-4094` or `1 10-20`.
   * @default Proxmox's: 2-4094
   */
  readonly vids?: string;
  /**
   * Seconds to wait for the network reload.
   * @remarks Not applied by the engine yet, so synthesis refuses it: the engine waits for the node network reload as long as the Proxmox task runs; remove it.
   */
  readonly timeoutReload?: number;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
