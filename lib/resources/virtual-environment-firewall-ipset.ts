import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref, Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { CIDR_OR_IP, firewallScope } from './common.ts';

export interface VirtualEnvironmentFirewallIpsetCidr {
  readonly name: string;
  readonly comment?: string;
  readonly nomatch?: boolean;
}

export interface VirtualEnvironmentFirewallIpsetConfig {
  readonly nodeName?: Ref<string>;
  readonly vmId?: Ref<number>;
  readonly containerId?: Ref<number>;
  readonly name: string;
  readonly comment?: string;
  readonly cidr?: VirtualEnvironmentFirewallIpsetCidr[];
  readonly dependsOn?: Resource[];
}

const Schema = z.strictObject({
  ...firewallScope,
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and -, starting with a letter'),
  comment: z.string().optional(),
  cidr: z
    .array(
      z.strictObject({ name: CIDR_OR_IP, comment: z.string().optional(), nomatch: z.boolean().optional() }),
    )
    .optional(),
});

/** `proxmox_virtual_environment_firewall_ipset`: a named set of addresses rules refer to as `+name`. */
export class VirtualEnvironmentFirewallIpset extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_firewall_ipset';
  static readonly tfResourceType = VirtualEnvironmentFirewallIpset.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallIpsetConfig) {
    super(scope, id, {
      type: VirtualEnvironmentFirewallIpset.TYPE,
      properties: { ...config },
      schema: Schema,
    });
  }

  get name(): Reference {
    return this.attr('name');
  }
}
