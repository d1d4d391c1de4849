import type { Construct } from 'constructs';
import { firewallOptionsType } from '../contract/types/firewall.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentFirewallOptionsConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_firewall_options`: a VM's firewall switch and policies. */
export class VirtualEnvironmentFirewallOptions extends Resource {
  static readonly TYPE = firewallOptionsType.type;
  static readonly tfResourceType = VirtualEnvironmentFirewallOptions.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallOptionsConfig) {
    super(scope, id, { type: VirtualEnvironmentFirewallOptions.TYPE, properties: { ...config } });
  }
}
