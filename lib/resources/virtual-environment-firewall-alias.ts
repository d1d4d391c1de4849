import type { Construct } from 'constructs';
import { firewallAliasType } from '../contract/types/firewall.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentFirewallAliasConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_firewall_alias`: a name for one address or CIDR. */
export class VirtualEnvironmentFirewallAlias extends Resource {
  static readonly TYPE = firewallAliasType.type;
  static readonly tfResourceType = VirtualEnvironmentFirewallAlias.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallAliasConfig) {
    super(scope, id, { type: VirtualEnvironmentFirewallAlias.TYPE, properties: { ...config } });
  }

  /** The alias name. */
  get name(): Reference {
    return this.attr('name');
  }
}
