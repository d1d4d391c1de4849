// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface VirtualEnvironmentFirewallRulesConfig {
  /** The node; with `vmId`, the node the VM runs on. Unset: the datacenter. */
  readonly nodeName?: Ref<string>;
  /** A VM's firewall (with `nodeName`). Unset: the node's or the datacenter's. */
  readonly vmId?: Ref<number>;
  /**
   * A container's firewall (with `nodeName`).
   * @remarks Not applied by the engine yet, so synthesis refuses it: containers (LXC) are not managed by pvecdk; use vm_id for a VM, or neither for the datacenter.
   */
  readonly containerId?: Ref<number>;
  /** The whole rule list of the scope, in order. */
  readonly rule: VirtualEnvironmentFirewallRulesRule[];
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}

export interface VirtualEnvironmentFirewallRulesRule {
  /** Direction. */
  readonly type?: 'in' | 'out' | 'forward';
  /** What a match does. */
  readonly action?: 'ACCEPT' | 'DROP' | 'REJECT';
  /** IP, CIDR, range, `+ipset` or alias. */
  readonly source?: Ref<string>;
  /** IP, CIDR, range, `+ipset` or alias. */
  readonly dest?: Ref<string>;
  /** Destination port(s): `443`, `a:b`, or a comma-separated list. */
  readonly dport?: string;
  /** Source port(s). */
  readonly sport?: string;
  /** Protocol, e.g. `tcp`. */
  readonly proto?: string;
  /** A Proxmox firewall macro, e.g. `SSH`. */
  readonly macro?: string;
  /** The guest interface, e.g. `net0`. */
  readonly iface?: string;
  /**
   * Log level of matches.
   * @default nolog
   */
  readonly log?: 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug' | 'nolog';
  /** A comment. */
  readonly comment?: string;
  /**
   * Whether the rule is active.
   * @default true
   */
  readonly enabled?: boolean;
  /** Insert this cluster security group instead of a rule. */
  readonly securityGroup?: string;
}
