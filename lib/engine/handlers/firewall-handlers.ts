import type { FirewallOptionsScope, FirewallScope } from '../../pve/api/firewall.ts';
import type { PveParams } from '../../pve/client.ts';
import type { DesiredResource, PlannedChange, PropertyChange, ResourceHandler } from './handler.ts';

type Props = Record<string, unknown>;

/** The scope a firewall resource addresses: cluster (nothing set), node, or VM. */
export function scopeOf(p: Props): FirewallOptionsScope {
  if (p.vm_id !== undefined) return { level: 'vm', node: String(p.node_name), vmid: Number(p.vm_id) };
  if (p.node_name !== undefined) return { level: 'node', node: String(p.node_name) };
  return { level: 'cluster' };
}

const scopeKey = (s: FirewallScope) =>
  s.level === 'vm'
    ? `vm/${s.vmid}`
    : s.level === 'node'
      ? `node/${s.node}`
      : s.level === 'group'
        ? `group/${s.group}`
        : 'cluster';

const RULE_FIELDS = [
  'type',
  'action',
  'macro',
  'iface',
  'proto',
  'dport',
  'sport',
  'source',
  'dest',
  'log',
  'comment',
] as const;

/** A rule as comparable text: the fields Proxmox stores, `enable` as 0/1. */
function canonicalRule(rule: Props): string {
  const fields: Record<string, string> = {};
  for (const k of RULE_FIELDS) if (rule[k] !== undefined && rule[k] !== '') fields[k] = String(rule[k]);
  if (rule.security_group !== undefined)
    Object.assign(fields, { type: 'group', action: String(rule.security_group) });
  const enabled = rule.enable !== undefined ? Number(rule.enable) === 1 : rule.enabled !== false;
  fields.enable = enabled ? '1' : '0';
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort()));
}

function ruleParams(rule: Props, pos: number): PveParams & { type: string; action: string } {
  const group = rule.security_group !== undefined;
  const out: Record<string, string | number> = {
    type: group ? 'group' : String(rule.type),
    action: group ? String(rule.security_group) : String(rule.action),
    enable: rule.enabled === false ? 0 : 1,
    pos,
  };
  for (const k of RULE_FIELDS)
    if (!['type', 'action'].includes(k) && rule[k] !== undefined) out[k] = String(rule[k]);
  return out as PveParams & { type: string; action: string };
}

/**
 * `proxmox_virtual_environment_firewall_rules`: owns the whole rule list of
 * its scope, in order. A list that differs is rewritten (each edit carries
 * the list digest, so a concurrent change elsewhere is refused, not lost).
 */
export const firewallRulesHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_firewall_rules',

  locks(resource) {
    return [`firewall:${scopeKey(scopeOf(resource.properties))}`];
  },

  async read(ctx, resource) {
    const scope = scopeOf(resource.properties);
    const rules = await ctx.api.firewall.rules(scope);
    return { attributes: { ...scope }, live: { rules } };
  },

  plan(resource, observed): PlannedChange {
    const want = ((resource.properties.rule as Props[] | undefined) ?? []).map(canonicalRule);
    const have = ((observed?.live.rules as Props[] | undefined) ?? []).map(canonicalRule);
    const changes: PropertyChange[] = [];
    for (let i = 0; i < Math.max(want.length, have.length); i++) {
      if (want[i] !== have[i])
        changes.push({
          key: `rule[${i}]`,
          from: have[i] ? JSON.parse(have[i]!) : undefined,
          to: want[i] ? JSON.parse(want[i]!) : undefined,
          forcesReplacement: false,
        });
    }
    if (changes.length === 0) return { action: 'no-op', changes: [], destroysData: false };
    return { action: observed ? 'update' : 'create', changes, destroysData: false };
  },

  async apply(ctx, resource) {
    const scope = scopeOf(resource.properties);
    let live = await ctx.api.firewall.rules(scope);
    // Delete from the end so positions stay valid; each delete names the digest it was based on.
    while (live.length) {
      await ctx.api.firewall.deleteRule(scope, live.length - 1, live[0]!.digest);
      live = await ctx.api.firewall.rules(scope);
    }
    const rules = (resource.properties.rule as Props[] | undefined) ?? [];
    for (const [pos, rule] of rules.entries())
      await ctx.api.firewall.createRule(scope, ruleParams(rule, pos));
    return { ...scope };
  },

  async delete(ctx, attributes) {
    const scope = attributes as unknown as FirewallScope;
    let live = await ctx.api.firewall.rules(scope);
    while (live.length) {
      await ctx.api.firewall.deleteRule(scope, live.length - 1, live[0]!.digest);
      live = await ctx.api.firewall.rules(scope);
    }
  },
};

/** Plan option → Proxmox option key. */
const OPTION_KEYS: Record<string, string> = {
  enabled: 'enable',
  dhcp: 'dhcp',
  ipfilter: 'ipfilter',
  macfilter: 'macfilter',
  ndp: 'ndp',
  radv: 'radv',
  input_policy: 'policy_in',
  output_policy: 'policy_out',
  log_level_in: 'log_level_in',
  log_level_out: 'log_level_out',
};

function desiredOptions(p: Props): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [plan, key] of Object.entries(OPTION_KEYS)) {
    const v = p[plan];
    if (v === undefined) continue;
    out[key] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return out;
}

/**
 * `proxmox_virtual_environment_firewall_options`: the VM firewall switch and
 * policies; only the options the plan sets are managed. Destroy turns the
 * firewall off (options themselves cannot be deleted).
 */
export const firewallOptionsHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_firewall_options',

  locks(resource) {
    return [`firewall:${scopeKey(scopeOf(resource.properties))}`];
  },

  async read(ctx, resource) {
    const scope = scopeOf(resource.properties);
    return { attributes: { ...scope }, live: await ctx.api.firewall.options(scope) };
  },

  plan(resource: DesiredResource, observed): PlannedChange {
    const want = desiredOptions(resource.properties);
    const changes = Object.entries(want)
      .filter(([k, v]) => String(observed?.live[k] ?? '') !== v)
      .map(([key, to]) => ({ key, from: observed?.live[key], to, forcesReplacement: false }));
    if (changes.length === 0) return { action: 'no-op', changes: [], destroysData: false };
    return { action: observed ? 'update' : 'create', changes, destroysData: false };
  },

  async apply(ctx, resource) {
    const scope = scopeOf(resource.properties);
    const live = await ctx.api.firewall.options(scope);
    await ctx.api.firewall.setOptions(scope, {
      ...desiredOptions(resource.properties),
      digest: live.digest as string | undefined,
    });
    return { ...scope };
  },

  async delete(ctx, attributes) {
    await ctx.api.firewall.setOptions(attributes as unknown as FirewallOptionsScope, { enable: 0 });
  },
};
