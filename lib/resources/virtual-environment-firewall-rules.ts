import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';
import { firewallScope } from './common.ts';

export interface VirtualEnvironmentFirewallRulesRule {
  readonly type?: 'in' | 'out' | 'forward';
  readonly action?: 'ACCEPT' | 'DROP' | 'REJECT';
  /** IP, CIDR, range, `+ipset` or alias. */
  readonly source?: Ref<string>;
  readonly dest?: Ref<string>;
  /** Port, `a:b` range or comma-separated list. */
  readonly dport?: string;
  readonly sport?: string;
  readonly proto?: string;
  readonly macro?: string;
  readonly iface?: string;
  readonly log?: 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug' | 'nolog';
  readonly comment?: string;
  readonly enabled?: boolean;
  /** Insert a cluster security group instead of a normal rule. */
  readonly securityGroup?: string;
}

export interface VirtualEnvironmentFirewallRulesConfig {
  /** Leave empty for cluster scope; with vmId for a VM's firewall. */
  readonly nodeName?: Ref<string>;
  readonly vmId?: Ref<number>;
  readonly containerId?: Ref<number>;
  readonly rule: VirtualEnvironmentFirewallRulesRule[];
  readonly dependsOn?: Resource[];
}

const PORTS = /^\d{1,5}(:\d{1,5})?(,\d{1,5}(:\d{1,5})?)*$/;

const RuleSchema = z
  .strictObject({
    type: z.enum(['in', 'out', 'forward']).optional(),
    action: z.enum(['ACCEPT', 'DROP', 'REJECT']).optional(),
    source: zRef(z.string().min(1)).optional(),
    dest: zRef(z.string().min(1)).optional(),
    dport: z.string().regex(PORTS, 'a port, a:b range or comma-separated list').optional(),
    sport: z.string().regex(PORTS, 'a port, a:b range or comma-separated list').optional(),
    proto: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
    macro: z.string().optional(),
    iface: z
      .string()
      .regex(/^net\d+$/, 'a guest interface such as net0')
      .optional(),
    log: z.enum(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'nolog']).optional(),
    comment: z.string().optional(),
    enabled: z.boolean().optional(),
    securityGroup: z.string().optional(),
  })
  .refine((r) => r.securityGroup !== undefined || (r.type !== undefined && r.action !== undefined), {
    message: 'a rule needs type and action (or securityGroup)',
  });

const Schema = z
  .strictObject({ ...firewallScope, rule: z.array(RuleSchema) })
  .refine((c) => (c.vmId === undefined && c.containerId === undefined) || c.nodeName !== undefined, {
    message: 'a VM or container firewall needs nodeName',
    path: ['nodeName'],
  });

/** `proxmox_virtual_environment_firewall_rules`: the whole rule list of one scope (cluster, node, VM). */
export class VirtualEnvironmentFirewallRules extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_firewall_rules';
  static readonly tfResourceType = VirtualEnvironmentFirewallRules.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentFirewallRulesConfig) {
    super(scope, id, {
      type: VirtualEnvironmentFirewallRules.TYPE,
      properties: { ...config },
      schema: Schema,
    });
  }
}
