import type { PropertiesOf } from '../../contract/plan-type.ts';
import { firewallOptionsType, firewallRulesType } from '../../contract/types/firewall.ts';
import type { PveParams } from '../../pve/client.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import { firewallEndpoint, scopeKey, scopeOf, scopeOfAttributes } from './firewall-scope.ts';
import {
  defineHandler,
  NO_CHANGE,
  type PropertyChange,
  propertyChange,
  type ResourceChange,
} from './handler.ts';

type Rule = PropertiesOf<typeof firewallRulesType>['rule'][number];

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

/** A rule field as compared: Proxmox keeps a macro under its own spelling (`ssh` becomes `SSH`). */
const fieldText = (k: string, v: unknown) => (k === 'macro' ? String(v).toLowerCase() : String(v));

/** A plan rule as comparable text: the fields Proxmox stores, `enable` as 0/1, a security group as its `group` rule. */
function canonicalRule(rule: Rule): string {
  const fields: Record<string, string> = {};
  for (const k of RULE_FIELDS) if (rule[k] !== undefined && rule[k] !== '') fields[k] = fieldText(k, rule[k]);
  if (rule.security_group !== undefined)
    Object.assign(fields, { type: 'group', action: rule.security_group });
  fields.enable = rule.enabled === false ? '0' : '1';
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort()));
}

/** A live rule in the same form. */
function canonicalLiveRule(rule: Readonly<Record<string, unknown>>): string {
  const fields: Record<string, string> = {};
  for (const k of RULE_FIELDS) if (rule[k] !== undefined && rule[k] !== '') fields[k] = fieldText(k, rule[k]);
  fields.enable = rule.enable === undefined || rule.enable === true || Number(rule.enable) === 1 ? '1' : '0';
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort()));
}

function ruleParams(rule: Rule, pos: number): PveParams & { type: string; action: string } {
  const group = rule.security_group !== undefined;
  const out: Record<string, string | number> = {
    type: group ? 'group' : (rule.type ?? ''),
    action: group ? (rule.security_group ?? '') : (rule.action ?? ''),
    enable: rule.enabled === false ? 0 : 1,
    pos,
  };
  for (const k of RULE_FIELDS) {
    const v = rule[k];
    if (k !== 'type' && k !== 'action' && v !== undefined) out[k] = String(v);
  }
  return out as PveParams & { type: string; action: string };
}

function ruleChanges(want: readonly string[], have: readonly string[]): PropertyChange[] {
  const changes: PropertyChange[] = [];
  for (let i = 0; i < Math.max(want.length, have.length); i++)
    if (want[i] !== have[i])
      // The rule at a position, both sides in the fields Proxmox stores (`enable`, a group rule's `action`).
      changes.push(
        propertyChange(
          `rule[${i}]`,
          have[i] ? JSON.parse(have[i]!) : undefined,
          want[i] ? JSON.parse(want[i]!) : undefined,
        ),
      );
  return changes;
}

/** What names the scope, and the rule fields Proxmox spells otherwise (a security group is a `group` rule's action). */
const RULE_KEYS = proxmoxKeys({
  node_name: 'node',
  vm_id: 'vmid',
  container_id: 'vmid',
  'rule[].enabled': 'enable',
  'rule[].security_group': 'action',
});

/**
 * `proxmox_virtual_environment_firewall_rules`: owns the whole rule list of
 * its scope, in order. A list that differs is rewritten (each edit carries
 * the list digest, so a concurrent change elsewhere is refused, not lost).
 */
export const firewallRulesHandler = defineHandler({
  contract: firewallRulesType,
  proxmoxKey: (path) => RULE_KEYS.apiOf(path),

  locks(resource) {
    return [`firewall:${scopeKey(scopeOf(resource.props))}`];
  },

  async read(ctx, resource) {
    const scope = scopeOf(resource.props);
    const rules = await ctx.api.firewall.rules(scope);
    return { attributes: { ...scope }, live: { rules } };
  },

  diff(resource, observed): ResourceChange {
    const want = resource.props.rule.map(canonicalRule);
    const have = ((observed?.live.rules as Array<Record<string, unknown>> | undefined) ?? []).map(
      canonicalLiveRule,
    );
    const changes = ruleChanges(want, have);
    if (changes.length === 0) return NO_CHANGE;
    return { action: observed ? 'update' : 'create', changes, destroysData: false };
  },

  async apply(ctx, resource) {
    const scope = scopeOf(resource.props);
    let live = await ctx.api.firewall.rules(scope);
    // Delete from the end so positions stay valid; each delete names the digest it was based on.
    while (live.length) {
      await ctx.api.firewall.deleteRule(scope, live.length - 1, live[0]!.digest);
      live = await ctx.api.firewall.rules(scope);
    }
    for (const [pos, rule] of resource.props.rule.entries())
      await ctx.api.firewall.createRule(scope, ruleParams(rule, pos));
    return { ...scope };
  },

  async delete(ctx, applied) {
    const scope = scopeOfAttributes(applied.attributes);
    let live = await ctx.api.firewall.rules(scope);
    while (live.length) {
      await ctx.api.firewall.deleteRule(scope, live.length - 1, live[0]!.digest);
      live = await ctx.api.firewall.rules(scope);
    }
  },

  requirements(resource, call) {
    const { template, params } = firewallEndpoint(resource.props, true);
    return [
      ...call('GET', `${template}/rules`, params),
      ...call('POST', `${template}/rules`, params),
      ...call('DELETE', `${template}/rules/{pos}`, params),
    ];
  },
});

type OptionsProps = PropertiesOf<typeof firewallOptionsType>;

/** Plan option → Proxmox option key. */
const OPTION_API_KEYS = {
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
} as const satisfies Partial<Record<keyof OptionsProps, string>>;

const OPTION_KEYS = proxmoxKeys({
  ...OPTION_API_KEYS,
  node_name: 'node',
  vm_id: 'vmid',
  container_id: 'vmid',
});

function desiredOptions(p: OptionsProps): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [plan, key] of Object.entries(OPTION_API_KEYS) as Array<
    [keyof typeof OPTION_API_KEYS, string]
  >) {
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
export const firewallOptionsHandler = defineHandler({
  contract: firewallOptionsType,
  proxmoxKey: (path) => OPTION_KEYS.apiOf(path),

  locks(resource) {
    return [`firewall:${scopeKey(scopeOf(resource.props))}`];
  },

  async read(ctx, resource) {
    const scope = scopeOf(resource.props);
    return { attributes: { ...scope }, live: await ctx.api.firewall.options(scope) };
  },

  diff(resource, observed): ResourceChange {
    const changes = Object.entries(desiredOptions(resource.props))
      .filter(([k, v]) => String(observed?.live[k] ?? '') !== v)
      .map(([api, to]) => propertyChange(OPTION_KEYS.planOf(api), observed?.live[api], to, { api }));
    if (changes.length === 0) return NO_CHANGE;
    return { action: observed ? 'update' : 'create', changes, destroysData: false };
  },

  async apply(ctx, resource) {
    const scope = scopeOf(resource.props);
    const live = await ctx.api.firewall.options(scope);
    await ctx.api.firewall.setOptions(scope, {
      ...desiredOptions(resource.props),
      digest: live.digest as string | undefined,
    });
    return { ...scope };
  },

  async delete(ctx, applied) {
    await ctx.api.firewall.setOptions(scopeOfAttributes(applied.attributes), { enable: 0 });
  },

  requirements(resource, call) {
    const { template, params } = firewallEndpoint(resource.props, true);
    return [...call('GET', `${template}/options`, params), ...call('PUT', `${template}/options`, params)];
  },
});
