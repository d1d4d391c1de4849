import { createHash } from 'node:crypto';
import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, EmulatorHandler, HandlerTable } from '../handler.ts';
import type { EmulatorFirewallRule, EmulatorFirewallScope } from '../state.ts';
import { checkedRule } from './firewall-rule-check.ts';

const RULE_KEYS = [
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
  'icmp-type',
  'comment',
  'enable',
];
const OPTION_KEYS = [
  'enable',
  'dhcp',
  'ipfilter',
  'macfilter',
  'ndp',
  'radv',
  'log_level_in',
  'log_level_out',
  'policy_in',
  'policy_out',
  'ebtables',
  'policy_forward',
  'log_ratelimit',
];

type ScopeOf = (ctx: EmulatorContext) => string;

function scope(ctx: EmulatorContext, key: string): EmulatorFirewallScope {
  ctx.state.firewall ??= {};
  ctx.state.firewall[key] ??= { rules: [], options: {}, ipsets: {}, aliases: {} };
  return ctx.state.firewall[key];
}

/** One SHA1 over a rule list, repeated on every rule, as PVE::Firewall::copy_list_with_digest does. */
function listDigest(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex');
}

function checkDigest(ctx: EmulatorContext, current: unknown): void {
  if (ctx.params.digest !== undefined && ctx.params.digest !== listDigest(current)) {
    throw dieError('detected modified configuration - file changed by other user? Try again.');
  }
}

function pick(params: Record<string, unknown>, keys: readonly string[]): EmulatorFirewallRule {
  const out: EmulatorFirewallRule = {};
  for (const k of keys) if (params[k] !== undefined) out[k] = params[k] as string | number;
  return out;
}

function ruleAt(s: EmulatorFirewallScope, pos: unknown): EmulatorFirewallRule {
  const rule = s.rules[Number(pos)];
  if (!rule) throw dieError(`no rule at position ${String(pos)}`);
  return rule;
}

/** Which rules `verify_rule` checks as a guest's. */
const ruleScope = (base: string) => (base.includes('/qemu/') ? 'vm' : 'other');

function handlersFor(base: string, scopeOf: ScopeOf, withOptions: boolean, withSets: boolean): HandlerTable {
  const rules = (ctx: EmulatorContext) => scope(ctx, scopeOf(ctx));
  const list: EmulatorHandler = (ctx) => {
    const s = rules(ctx);
    const digest = listDigest(s.rules);
    return s.rules.map((r, pos) => ({ ...r, pos, enable: r.enable ?? 0, digest }));
  };
  const table: HandlerTable = [
    ['GET', `${base}/rules`, list],
    [
      'POST',
      `${base}/rules`,
      (ctx) => {
        const s = rules(ctx);
        checkDigest(ctx, s.rules);
        const rule = checkedRule(pick(ctx.params, RULE_KEYS), ruleScope(base));
        const pos = ctx.params.pos === undefined ? 0 : Math.min(Number(ctx.params.pos), s.rules.length);
        // A new rule goes first unless a position is given, as in Proxmox.
        s.rules.splice(pos, 0, rule);
        ctx.changed();
        return null;
      },
    ],
    [
      'GET',
      `${base}/rules/{pos}`,
      (ctx) => ({ ...ruleAt(rules(ctx), ctx.params.pos), pos: Number(ctx.params.pos) }),
    ],
    [
      'PUT',
      `${base}/rules/{pos}`,
      (ctx) => {
        const s = rules(ctx);
        checkDigest(ctx, s.rules);
        const current = ruleAt(s, ctx.params.pos);
        const changed = { ...current, ...pick(ctx.params, RULE_KEYS) };
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean))
          delete changed[k];
        const rule = checkedRule(changed, ruleScope(base));
        s.rules[Number(ctx.params.pos)] = rule;
        if (ctx.params.moveto !== undefined) {
          s.rules.splice(Number(ctx.params.pos), 1);
          s.rules.splice(Math.min(Number(ctx.params.moveto), s.rules.length), 0, rule);
        }
        ctx.changed();
        return null;
      },
    ],
    [
      'DELETE',
      `${base}/rules/{pos}`,
      (ctx) => {
        const s = rules(ctx);
        checkDigest(ctx, s.rules);
        ruleAt(s, ctx.params.pos);
        s.rules.splice(Number(ctx.params.pos), 1);
        ctx.changed();
        return null;
      },
    ],
  ];
  if (withOptions) {
    table.push(
      [
        'GET',
        `${base}/options`,
        (ctx) => ({ ...rules(ctx).options, digest: listDigest(rules(ctx).options) }),
      ],
      [
        'PUT',
        `${base}/options`,
        (ctx) => {
          const s = rules(ctx);
          checkDigest(ctx, s.options);
          Object.assign(s.options, pick(ctx.params, OPTION_KEYS));
          for (const k of String(ctx.params.delete ?? '')
            .split(/[,;\s]+/)
            .filter(Boolean))
            delete s.options[k];
          ctx.changed();
          return null;
        },
      ],
    );
  }
  if (withSets) {
    table.push(
      [
        'GET',
        `${base}/aliases`,
        (ctx) =>
          Object.entries(rules(ctx).aliases).map(([name, a]) => ({
            name,
            ...a,
            digest: listDigest(rules(ctx).aliases),
          })),
      ],
      [
        'POST',
        `${base}/aliases`,
        (ctx) => {
          const s = rules(ctx);
          const name = String(ctx.params.name).toLowerCase();
          if (s.aliases[name]) throw dieError(`alias '${name}' already exists`);
          s.aliases[name] = {
            cidr: String(ctx.params.cidr),
            ...(ctx.params.comment ? { comment: String(ctx.params.comment) } : {}),
          };
          ctx.changed();
          return null;
        },
      ],
      [
        'PUT',
        `${base}/aliases/{name}`,
        (ctx) => {
          const s = rules(ctx);
          const name = String(ctx.params.name).toLowerCase();
          if (!s.aliases[name]) throw dieError(`no such alias '${name}'`);
          s.aliases[name] = {
            cidr: String(ctx.params.cidr),
            ...(ctx.params.comment ? { comment: String(ctx.params.comment) } : {}),
          };
          ctx.changed();
          return null;
        },
      ],
      [
        'DELETE',
        `${base}/aliases/{name}`,
        (ctx) => {
          delete rules(ctx).aliases[String(ctx.params.name).toLowerCase()];
          ctx.changed();
          return null;
        },
      ],
      [
        'GET',
        `${base}/ipset`,
        (ctx) =>
          Object.entries(rules(ctx).ipsets).map(([name, i]) => ({
            name,
            ...(i.comment ? { comment: i.comment } : {}),
            digest: listDigest(rules(ctx).ipsets),
          })),
      ],
      [
        'POST',
        `${base}/ipset`,
        (ctx) => {
          const s = rules(ctx);
          const name = String(ctx.params.name);
          const rename = ctx.params.rename === undefined ? undefined : String(ctx.params.rename);
          // `rename` names an existing set: it is renamed to `name` (or keeps it) with its entries, comment updated.
          if (rename !== undefined && !s.ipsets[rename]) throw dieError(`no such IPSet '${rename}'`);
          if (s.ipsets[name] && rename !== name) throw dieError(`IPSet '${name}' already exists`);
          const entries = rename !== undefined ? s.ipsets[rename]!.entries : [];
          if (rename !== undefined) delete s.ipsets[rename];
          s.ipsets[name] = {
            entries,
            ...(ctx.params.comment ? { comment: String(ctx.params.comment) } : {}),
          };
          ctx.changed();
          return null;
        },
      ],
      [
        'GET',
        `${base}/ipset/{name}`,
        (ctx) => {
          const set = rules(ctx).ipsets[String(ctx.params.name)];
          if (!set) throw dieError(`no such IPSet '${String(ctx.params.name)}'`);
          return set.entries.map((e) => ({ ...e, digest: listDigest(set.entries) }));
        },
      ],
      [
        'POST',
        `${base}/ipset/{name}`,
        (ctx) => {
          const set = rules(ctx).ipsets[String(ctx.params.name)];
          if (!set) throw dieError(`no such IPSet '${String(ctx.params.name)}'`);
          const cidr = String(ctx.params.cidr);
          if (set.entries.some((e) => e.cidr === cidr)) throw dieError(`entry '${cidr}' already exists`);
          set.entries.push({
            cidr,
            ...(ctx.params.comment ? { comment: String(ctx.params.comment) } : {}),
            ...(ctx.params.nomatch ? { nomatch: 1 } : {}),
          });
          ctx.changed();
          return null;
        },
      ],
      [
        'DELETE',
        `${base}/ipset/{name}`,
        (ctx) => {
          const s = rules(ctx);
          const set = s.ipsets[String(ctx.params.name)];
          if (set?.entries.length && !ctx.params.force) throw dieError('IPSet is not empty');
          delete s.ipsets[String(ctx.params.name)];
          ctx.changed();
          return null;
        },
      ],
      [
        'DELETE',
        `${base}/ipset/{name}/{cidr}`,
        (ctx) => {
          const set = rules(ctx).ipsets[String(ctx.params.name)];
          if (set) set.entries = set.entries.filter((e) => e.cidr !== String(ctx.params.cidr));
          ctx.changed();
          return null;
        },
      ],
    );
  }
  return table;
}

/** Firewall of the cluster, each node and each VM: rules (with digests and positions), options, aliases, IP sets. */
export const firewallHandlers: HandlerTable = [
  ...handlersFor('/cluster/firewall', () => 'cluster', true, true),
  ...handlersFor('/nodes/{node}/firewall', (ctx) => `node/${String(ctx.params.node)}`, true, false),
  ...handlersFor(
    '/nodes/{node}/qemu/{vmid}/firewall',
    (ctx) => {
      ctx.vm(ctx.params.vmid);
      return `vm/${String(ctx.params.vmid)}`;
    },
    true,
    true,
  ),
  [
    'GET',
    '/cluster/firewall/groups',
    (ctx) =>
      Object.keys(ctx.state.firewall ?? {})
        .filter((k) => k.startsWith('group/'))
        .map((k) => ({ group: k.slice(6), digest: listDigest(k) })),
  ],
  [
    'POST',
    '/cluster/firewall/groups',
    (ctx) => {
      const key = `group/${String(ctx.params.group)}`;
      if (ctx.state.firewall?.[key])
        throw dieError(`security group '${String(ctx.params.group)}' already exists`);
      scope(ctx, key);
      ctx.changed();
      return null;
    },
  ],
  ...handlersFor(
    '/cluster/firewall/groups/{group}',
    (ctx) => `group/${String(ctx.params.group)}`,
    false,
    false,
  ).map(([m, t, h]) => [m, t.replace('/rules', ''), h] as [string, string, EmulatorHandler]),
];
