import { z } from 'zod';
import type { PropertyChange } from '../handlers/handler.ts';
import { propertyChange } from '../handlers/handler.ts';

/** PowerShell's ConvertTo-Json writes a one-element list as the element alone in some versions. */
const list = <T extends z.ZodType>(item: T) =>
  z
    .union([z.array(item), item, z.null()])
    .transform((v): z.output<T>[] => (v === null ? [] : Array.isArray(v) ? v : [v]));

const ReadRuleSchema = z.object({
  name: z.string(),
  action: z.string(),
  direction: z.string(),
  enabled: z.boolean(),
  protocol: z.string(),
  ports: z.string(),
  addresses: list(z.string()),
  localUser: z.string(),
});

/** What the read script prints (renderRdsUserReadScript), checked: it comes from the network. */
export const RdsUserReadSchema = z.union([
  z.object({ exists: z.literal(false) }),
  z.object({
    exists: z.literal(true),
    sid: z.string().regex(/^S-1-[0-9-]+$/),
    fullName: z.string(),
    enabled: z.boolean(),
    groups: list(z.string()),
    rules: list(ReadRuleSchema),
  }),
]);

export type RdsUserLive = Extract<z.output<typeof RdsUserReadSchema>, { exists: true }>;

/** The part of the plan's properties the comparison reads. */
export interface RdsUserWanted {
  readonly full_name?: string | undefined;
  readonly groups: readonly string[];
  readonly outbound_rules?:
    | ReadonlyArray<{
        readonly name: string;
        readonly action: 'Allow' | 'Block';
        readonly remote_ports: string;
        readonly remote_addresses: readonly string[];
      }>
    | undefined;
}

/** The local-user condition that scopes a rule to one account, as Windows stores it (SDDL). */
export const localUserCondition = (sid: string): string => `D:(A;;CC;;;${sid})`;

const sorted = (v: readonly string[]) => [...v].sort();
const sameSet = (a: readonly string[], b: readonly string[]) => sorted(a).join(',') === sorted(b).join(',');

/**
 * What differs between the account as the guest shows it and the plan, one
 * change per property (`full_name`, `enabled`, `groups`,
 * `outbound_rules[i].remote_addresses`, ...). The password is never compared:
 * it is set once, when the account is created, and is the user's afterwards.
 */
export function rdsUserChanges(wanted: RdsUserWanted, live: RdsUserLive): PropertyChange[] {
  const changes: PropertyChange[] = [];
  if (live.fullName !== (wanted.full_name ?? ''))
    changes.push(propertyChange('full_name', live.fullName, wanted.full_name ?? ''));
  if (!live.enabled) changes.push(propertyChange('enabled', false, true));
  const missing = wanted.groups.filter((g) => !live.groups.some((h) => h.toLowerCase() === g.toLowerCase()));
  if (missing.length)
    changes.push(
      propertyChange(
        'groups',
        sorted(wanted.groups.filter((g) => !missing.includes(g))),
        sorted(wanted.groups),
      ),
    );
  const rules = wanted.outbound_rules ?? [];
  const condition = localUserCondition(live.sid);
  rules.forEach((rule, i) => {
    const have = live.rules.find((r) => r.name === rule.name);
    const key = `outbound_rules[${i}]`;
    if (!have) {
      changes.push(propertyChange(key, null, rule.name));
      return;
    }
    const fields: Array<[string, unknown, unknown, boolean]> = [
      ['action', have.action, rule.action, have.action === rule.action],
      ['direction', have.direction, 'Outbound', have.direction === 'Outbound'],
      ['enabled', have.enabled, true, have.enabled],
      ['protocol', have.protocol, 'TCP', have.protocol.toUpperCase() === 'TCP'],
      ['remote_ports', have.ports, rule.remote_ports, have.ports === rule.remote_ports],
      [
        'remote_addresses',
        sorted(have.addresses),
        sorted(rule.remote_addresses),
        sameSet(have.addresses, rule.remote_addresses),
      ],
      // A rule scoped to another account (one deleted and made again has a new SID) fences nobody.
      ['local_user', have.localUser, condition, have.localUser === condition],
    ];
    for (const [field, from, to, same] of fields)
      if (!same) changes.push(propertyChange(`${key}.${field}`, from, to));
  });
  for (const stale of live.rules.filter((r) => !rules.some((w) => w.name === r.name)))
    changes.push(propertyChange('outbound_rules', stale.name, '(removed)'));
  return changes;
}
