import type { Construct } from 'constructs';
import { firewallIpsetType } from '../contract/types/firewall.ts';
import type { Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import type { VirtualEnvironmentFirewallIpsetConfig } from './generated/index.ts';

/** `proxmox_virtual_environment_firewall_ipset`: a named set of addresses rules refer to as `+name`. */
export class VirtualEnvironmentFirewallIpset extends Resource {
  static readonly TYPE = firewallIpsetType.type;
  static readonly tfResourceType = VirtualEnvironmentFirewallIpset.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallIpsetConfig) {
    super(scope, id, { type: VirtualEnvironmentFirewallIpset.TYPE, properties: { ...config } });
  }

  /** The set name. */
  get name(): Reference {
    return this.attr('name');
  }
}
