import { z } from 'zod';
import { definePlanType } from '../plan-type.ts';
import { CIDR_OR_IP, CONTAINER_NOT_APPLIED, firewallScope, LOG_LEVEL, NODE_NAME, VM_ID } from './common.ts';

/** The Proxmox firewall: rule lists, options, aliases and IP sets. */

const PORTS = /^\d{1,5}(:\d{1,5})?(,\d{1,5}(:\d{1,5})?)*$/;
const POLICY = z.enum(['ACCEPT', 'DROP', 'REJECT']);
const OBJECT_NAME = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and -, starting with a letter');
/** Aliases and IP sets live at the datacenter or on a VM (a VM firewall also needs its node). */
const objectScopeRule = {
  check: (o: { node_name?: unknown; vm_id?: unknown }) =>
    (o.vm_id === undefined) === (o.node_name === undefined),
  problem: {
    message:
      'Proxmox keeps aliases and IP sets at the datacenter or on a VM: set vmId with nodeName, or neither',
    path: ['node_name'],
  },
};
const SCOPE_ATTRIBUTES = {
  level: 'The scope: `cluster`, `node` or `vm`.',
  node: "The node, for a node's or a VM's firewall.",
  vmid: "The VM id, for a VM's firewall.",
};

/**
 * Where a firewall lives: a VM's (it moves with the VM, whatever its node), a
 * node's, or the datacenter's.
 */
const firewallIdentity = (p: Readonly<Record<string, unknown>>) =>
  p.vm_id !== undefined || p.container_id !== undefined
    ? { vm_id: p.vm_id, container_id: p.container_id }
    : { node_name: p.node_name };

/** An alias or IP set: its scope and its name. */
const objectIdentity = (p: Readonly<Record<string, unknown>>) => ({ ...firewallIdentity(p), name: p.name });

export const firewallRulesType = definePlanType({
  type: 'proxmox_virtual_environment_firewall_rules',
  typeName: 'VirtualEnvironmentFirewallRules',
  properties: (k) =>
    z
      .strictObject({
        ...firewallScope(k),
        rule: z
          .array(
            z
              .strictObject({
                type: z.enum(['in', 'out', 'forward']).optional().describe('Direction.'),
                action: POLICY.optional().describe('What a match does.'),
                source: k.ref(z.string().min(1)).optional().describe('IP, CIDR, range, `+ipset` or alias.'),
                dest: k.ref(z.string().min(1)).optional().describe('IP, CIDR, range, `+ipset` or alias.'),
                dport: z
                  .string()
                  .regex(PORTS, 'a port, a:b range or comma-separated list')
                  .optional()
                  .describe('Destination port(s): `443`, `a:b`, or a comma-separated list.'),
                sport: z
                  .string()
                  .regex(PORTS, 'a port, a:b range or comma-separated list')
                  .optional()
                  .describe('Source port(s).'),
                proto: z
                  .string()
                  .regex(/^[a-z0-9-]+$/)
                  .optional()
                  .describe('Protocol, e.g. `tcp`.'),
                macro: z.string().optional().describe('A Proxmox firewall macro, e.g. `SSH`.'),
                iface: z
                  .string()
                  .regex(/^net\d+$/, 'a guest interface such as net0')
                  .optional()
                  .describe('The guest interface, e.g. `net0`.'),
                log: LOG_LEVEL.optional().meta({ description: 'Log level of matches.', default: 'nolog' }),
                comment: z.string().optional().describe('A comment.'),
                enabled: z
                  .boolean()
                  .optional()
                  .meta({ description: 'Whether the rule is active.', default: 'true' }),
                security_group: z
                  .string()
                  .optional()
                  .describe('Insert this cluster security group instead of a rule.'),
              })
              .refine(
                (r) => r.security_group !== undefined || (r.type !== undefined && r.action !== undefined),
                {
                  message: 'a rule needs type and action (or securityGroup)',
                },
              ),
          )
          .describe('The whole rule list of the scope, in order.'),
      })
      .refine((c) => (c.vm_id === undefined && c.container_id === undefined) || c.node_name !== undefined, {
        message: 'a VM or container firewall needs nodeName',
        path: ['node_name'],
      }),
  identity: firewallIdentity,
  attributes: SCOPE_ATTRIBUTES,
  notApplied: CONTAINER_NOT_APPLIED,
});

export const firewallOptionsType = definePlanType({
  type: 'proxmox_virtual_environment_firewall_options',
  typeName: 'VirtualEnvironmentFirewallOptions',
  properties: (k) =>
    z
      .strictObject({
        node_name: k.ref(NODE_NAME).describe('The node the VM runs on.'),
        vm_id: k.ref(VM_ID).optional().describe('The VM.'),
        container_id: k.ref(VM_ID).optional().describe('The container.'),
        enabled: z
          .boolean()
          .optional()
          .meta({ description: "The VM's firewall switch.", default: "Proxmox's: false" }),
        dhcp: z.boolean().optional().describe('Allow DHCP.'),
        ndp: z.boolean().optional().describe('Allow NDP.'),
        radv: z.boolean().optional().describe('Allow router advertisements from the guest.'),
        macfilter: z.boolean().optional().describe("Drop packets with another MAC than the NIC's."),
        ipfilter: z
          .boolean()
          .optional()
          .describe("Drop packets from addresses not in the VM's ipfilter set."),
        input_policy: POLICY.optional().describe('Policy for incoming traffic no rule matched.'),
        output_policy: POLICY.optional().describe('Policy for outgoing traffic no rule matched.'),
        log_level_in: LOG_LEVEL.optional().describe('Log level of incoming traffic.'),
        log_level_out: LOG_LEVEL.optional().describe('Log level of outgoing traffic.'),
      })
      .refine((c) => (c.vm_id === undefined) !== (c.container_id === undefined), {
        message: 'exactly one of vmId or containerId must be set',
        path: ['vm_id'],
      }),
  identity: firewallIdentity,
  attributes: SCOPE_ATTRIBUTES,
  notApplied: CONTAINER_NOT_APPLIED,
});

export const firewallAliasType = definePlanType({
  type: 'proxmox_virtual_environment_firewall_alias',
  typeName: 'VirtualEnvironmentFirewallAlias',
  properties: (k) =>
    z
      .strictObject({
        ...firewallScope(k),
        name: OBJECT_NAME.describe('The alias name (Proxmox compares it without regard to case).'),
        cidr: CIDR_OR_IP.describe('The address or CIDR it names.'),
        comment: z.string().optional().describe('A comment.'),
      })
      .refine(objectScopeRule.check, objectScopeRule.problem),
  identity: objectIdentity,
  attributes: { name: 'The alias name, in lower case.', ...SCOPE_ATTRIBUTES },
  notApplied: CONTAINER_NOT_APPLIED,
});

export const firewallIpsetType = definePlanType({
  type: 'proxmox_virtual_environment_firewall_ipset',
  typeName: 'VirtualEnvironmentFirewallIpset',
  properties: (k) =>
    z
      .strictObject({
        ...firewallScope(k),
        name: OBJECT_NAME.describe('The set name; rules refer to it as `+name`.'),
        comment: z.string().optional().describe('A comment.'),
        cidr: z
          .array(
            z.strictObject({
              name: CIDR_OR_IP.describe('An address or CIDR.'),
              comment: z.string().optional().describe('A comment.'),
              nomatch: z
                .boolean()
                .optional()
                .meta({ description: 'Exclude this entry from the set.', default: 'false' }),
            }),
          )
          .optional()
          .meta({ description: 'The entries; the set owns them all.', default: 'none' }),
      })
      .refine(objectScopeRule.check, objectScopeRule.problem),
  identity: objectIdentity,
  attributes: { name: 'The set name.', ...SCOPE_ATTRIBUTES },
  notApplied: CONTAINER_NOT_APPLIED,
});
