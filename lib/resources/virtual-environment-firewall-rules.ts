import type { Construct } from 'constructs';
import { firewallRulesType } from '../contract/types/firewall.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentFirewallRulesConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_firewall_rules`: the whole rule list of one scope (cluster, node, VM). */
export class VirtualEnvironmentFirewallRules extends Resource {
  static readonly TYPE = firewallRulesType.type;
  static readonly tfResourceType = VirtualEnvironmentFirewallRules.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallRulesConfig) {
    super(scope, id, { type: VirtualEnvironmentFirewallRules.TYPE, properties: { ...config } });
  }
}
