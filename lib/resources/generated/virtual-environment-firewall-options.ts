// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentFirewallOptionsConfig {
  /** The node the VM runs on. */
  readonly nodeName: Ref<string>;
  /** The VM. */
  readonly vmId?: Ref<number>;
  /**
   * The container.
   * @remarks Not applied by the engine yet, so synthesis refuses it: containers (LXC) are not managed by pvecdk; use vm_id for a VM, or neither for the datacenter.
   */
  readonly containerId?: Ref<number>;
  /**
   * The VM's firewall switch.
   * @default Proxmox's: false
   */
  readonly enabled?: boolean;
  /** Allow DHCP. */
  readonly dhcp?: boolean;
  /** Allow NDP. */
  readonly ndp?: boolean;
  /** Allow router advertisements from the guest. */
  readonly radv?: boolean;
  /** Drop packets with another MAC than the NIC's. */
  readonly macfilter?: boolean;
  /** Drop packets from addresses not in the VM's ipfilter set. */
  readonly ipfilter?: boolean;
  /** Policy for incoming traffic no rule matched. */
  readonly inputPolicy?: 'ACCEPT' | 'DROP' | 'REJECT';
  /** Policy for outgoing traffic no rule matched. */
  readonly outputPolicy?: 'ACCEPT' | 'DROP' | 'REJECT';
  /** Log level of incoming traffic. */
  readonly logLevelIn?:
    | 'emerg'
    | 'alert'
    | 'crit'
    | 'err'
    | 'warning'
    | 'notice'
    | 'info'
    | 'debug'
    | 'nolog';
  /** Log level of outgoing traffic. */
  readonly logLevelOut?:
    | 'emerg'
    | 'alert'
    | 'crit'
    | 'err'
    | 'warning'
    | 'notice'
    | 'info'
    | 'debug'
    | 'nolog';
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
