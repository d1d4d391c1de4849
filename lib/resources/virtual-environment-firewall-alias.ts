import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref, Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { CIDR_OR_IP, firewallScope } from './common.ts';

export interface VirtualEnvironmentFirewallAliasConfig {
  readonly nodeName?: Ref<string>;
  readonly vmId?: Ref<number>;
  readonly containerId?: Ref<number>;
  readonly name: string;
  readonly cidr: string;
  readonly comment?: string;
  readonly dependsOn?: Resource[];
}

const Schema = z.strictObject({
  ...firewallScope,
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and -, starting with a letter'),
  cidr: CIDR_OR_IP,
  comment: z.string().optional(),
});

/** `proxmox_virtual_environment_firewall_alias`: a name for one address or CIDR. */
export class VirtualEnvironmentFirewallAlias extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_firewall_alias';
  static readonly tfResourceType = VirtualEnvironmentFirewallAlias.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallAliasConfig) {
    super(scope, id, {
      type: VirtualEnvironmentFirewallAlias.TYPE,
      properties: { ...config },
      schema: Schema,
    });
  }

  get name(): Reference {
    return this.attr('name');
  }
}
