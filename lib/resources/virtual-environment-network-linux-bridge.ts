import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref, Reference } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';
import { CIDR_OR_IP, nodeNameRef } from './common.ts';

export interface VirtualEnvironmentNetworkLinuxBridgeConfig {
  readonly nodeName: Ref<string>;
  /** `vmbrN`: letters, digits and _, at most 10 characters. */
  readonly name: string;
  readonly address?: string;
  readonly address6?: string;
  readonly gateway?: string;
  readonly gateway6?: string;
  readonly autostart?: boolean;
  readonly comment?: string;
  readonly mtu?: number;
  /** Member interfaces, e.g. `["eno1"]`. */
  readonly ports?: string[];
  readonly vlanAware?: boolean;
  /** `"2-4094"` or `"1 10-20"`; needs vlanAware. */
  readonly vids?: string;
  readonly timeoutReload?: number;
  readonly dependsOn?: Resource[];
}

const Schema = z
  .strictObject({
    nodeName: nodeNameRef,
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,9}$/, 'letters, digits and _, at most 10 characters (vmbrN)'),
    address: zRef(
      z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an address with prefix, e.g. 10.0.0.2/24'),
    ).optional(),
    address6: z.string().optional(),
    gateway: zRef(CIDR_OR_IP).optional(),
    gateway6: z.string().optional(),
    autostart: z.boolean().optional(),
    comment: z.string().optional(),
    mtu: z.number().int().min(576).max(65_520).optional(),
    ports: z
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,15}$/, 'an interface name such as eno1'))
      .optional(),
    vlanAware: z.boolean().optional(),
    vids: z
      .string()
      .regex(/^\d+(-\d+)?( \d+(-\d+)?)*$/, 'VLAN ids or ranges separated by spaces')
      .optional(),
    timeoutReload: z.number().int().min(5).optional(),
  })
  .refine((b) => !b.vids || b.vlanAware, { message: 'vids needs vlanAware: true', path: ['vids'] });

/** `proxmox_virtual_environment_network_linux_bridge`: a Linux bridge on one node (staged, then applied). */
export class VirtualEnvironmentNetworkLinuxBridge extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_network_linux_bridge';
  static readonly tfResourceType = VirtualEnvironmentNetworkLinuxBridge.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentNetworkLinuxBridgeConfig) {
    super(scope, id, {
      type: VirtualEnvironmentNetworkLinuxBridge.TYPE,
      properties: { ...config },
      schema: Schema,
    });
  }

  /** The bridge's name, e.g. `vmbr1`. */
  get name(): Reference {
    return this.attr('name');
  }

  get nodeName(): Reference {
    return this.attr('node_name');
  }
}
