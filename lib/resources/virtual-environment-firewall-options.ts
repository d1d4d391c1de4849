import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';
import { nodeNameRef, VM_ID } from './common.ts';

type Policy = 'ACCEPT' | 'DROP' | 'REJECT';
type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug' | 'nolog';

export interface VirtualEnvironmentFirewallOptionsConfig {
  readonly nodeName: Ref<string>;
  readonly vmId?: Ref<number>;
  readonly containerId?: Ref<number>;
  readonly enabled?: boolean;
  readonly dhcp?: boolean;
  readonly ndp?: boolean;
  readonly radv?: boolean;
  readonly macfilter?: boolean;
  readonly ipfilter?: boolean;
  readonly inputPolicy?: Policy;
  readonly outputPolicy?: Policy;
  readonly logLevelIn?: LogLevel;
  readonly logLevelOut?: LogLevel;
  readonly dependsOn?: Resource[];
}

const POLICY = z.enum(['ACCEPT', 'DROP', 'REJECT']);
const LOG = z.enum(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'nolog']);

const Schema = z
  .strictObject({
    nodeName: nodeNameRef,
    vmId: zRef(VM_ID).optional(),
    containerId: zRef(VM_ID).optional(),
    enabled: z.boolean().optional(),
    dhcp: z.boolean().optional(),
    ndp: z.boolean().optional(),
    radv: z.boolean().optional(),
    macfilter: z.boolean().optional(),
    ipfilter: z.boolean().optional(),
    inputPolicy: POLICY.optional(),
    outputPolicy: POLICY.optional(),
    logLevelIn: LOG.optional(),
    logLevelOut: LOG.optional(),
  })
  .refine((c) => (c.vmId === undefined) !== (c.containerId === undefined), {
    message: 'exactly one of vmId or containerId must be set',
    path: ['vmId'],
  });

/** `proxmox_virtual_environment_firewall_options`: a VM's (or container's) firewall switch and policies. */
export class VirtualEnvironmentFirewallOptions extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_firewall_options';
  static readonly tfResourceType = VirtualEnvironmentFirewallOptions.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallOptionsConfig) {
    super(scope, id, {
      type: VirtualEnvironmentFirewallOptions.TYPE,
      properties: { ...config },
      schema: Schema,
    });
  }
}
