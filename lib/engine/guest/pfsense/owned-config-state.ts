import { type EntryKind, findOwnedEntries, keyOfEntry, presentKeys } from './config-xml-merge.ts';
import {
  type EntryDifference,
  type EntryValue,
  entryDifferences,
  entryValue,
  hideSecrets,
  type StoredSecret,
} from './entry-compare.ts';
import { kindName, PFSENSE_ENTRY_KINDS } from './pfsense-entry-kinds.ts';
import { sectionEntries } from './section-entries.ts';

/**
 * What a router's config.xml holds of a `pvecdk_pfsense_config`'s entries,
 * read from the guest so a hand edit shows, and how it differs from the
 * plan, entry by entry and field by field. Nothing here holds key material:
 * found entries have their secrets hidden (entry-compare.ts).
 */

/** One entry the plan's sections hold. */
export interface PlannedEntry {
  /** The section it is in (`filter`, `cert`). */
  readonly section: string;
  readonly kind: EntryKind;
  readonly key: string;
  /** How diffs name it: its description when it has one, else its key. */
  readonly label: string;
  readonly value: EntryValue;
}

/** What the router holds: pvecdk's entries found (secrets hidden) and every entry key present. */
export interface OwnedConfigLive {
  /** By `entryId`. */
  readonly entries: Readonly<Record<string, { readonly label: string; readonly value: EntryValue }>>;
  /** By kind name: the keys of every entry of the kind, whoever made it. */
  readonly present: Readonly<Record<string, readonly string[]>>;
}

/** One change to make, as the handler reports it and applies it. */
export interface OwnedEntryChange {
  /** `sections.filter.rule[pvecdk: OpenVPN clients].destination.port`. */
  readonly key: string;
  /** The entry's identity: `<kind name>:<key>` (`filterRule:3076036333`). */
  readonly entry: string;
  readonly from: EntryValue | undefined;
  readonly to: EntryValue | undefined;
  /** The whole entry is added (`from` undefined) or removed (`to` undefined), not one of its fields. */
  readonly whole: boolean;
}

export const entryId = (kind: EntryKind, key: string) => `${kindName(kind)}:${key}`;

function labelOf(value: EntryValue, key: string): string {
  if (typeof value !== 'object' || Array.isArray(value)) return key;
  const fields = value as Readonly<Record<string, EntryValue>>;
  const descr = fields.descr ?? fields.description;
  return typeof descr === 'string' && descr ? descr : key;
}

/** The entries `sections` hold, in order. */
export function plannedEntries(sections: Readonly<Record<string, string>>): PlannedEntry[] {
  return Object.entries(sections).flatMap(([section, xml]) =>
    sectionEntries(section, xml).flatMap(({ kind, entries }) =>
      entries.map((entry) => {
        const key = keyOfEntry(kind, entry);
        const value = entryValue(entry);
        return { section, kind, key, label: labelOf(value, key), value };
      }),
    ),
  );
}

/** Reads what the router's config.xml holds of the planned entries (and of pvecdk's marked leftovers). */
export function observeOwnedConfig(
  configXml: string,
  sections: Readonly<Record<string, string>>,
  stored: StoredSecret,
): OwnedConfigLive {
  const planned = plannedEntries(sections);
  const entries: Record<string, { label: string; value: EntryValue }> = {};
  const kinds = new Map<string, EntryKind>(Object.values(PFSENSE_ENTRY_KINDS).map((k) => [kindName(k), k]));
  for (const p of planned) kinds.set(kindName(p.kind), p.kind);
  const wantedById = new Map(planned.map((p) => [entryId(p.kind, p.key), p]));
  for (const [name, kind] of kinds) {
    const keys = planned.filter((p) => kindName(p.kind) === name).map((p) => p.key);
    if (!keys.length && !kind.marked) continue;
    for (const found of findOwnedEntries(configXml, kind, keys)) {
      const id = entryId(kind, found.key);
      const raw = entryValue(found.xml);
      entries[id] = {
        label: labelOf(raw, found.key),
        value: hideSecrets(raw, wantedById.get(id)?.value, stored),
      };
    }
  }
  const present = Object.fromEntries([...kinds].map(([name, kind]) => [name, presentKeys(configXml, kind)]));
  return { entries, present };
}

const pathOf = (section: string, kind: EntryKind, label: string) =>
  `sections.${section}.${kind.element === '*' ? 'interface' : kind.element}[${label}]`;

/**
 * The changes that make the router hold the planned entries: each missing
 * entry added, each differing field set, and each entry pvecdk owns that the
 * plan no longer holds removed (marked ones, and those `former` sections,
 * last applied, held). Interfaces are never removed.
 */
export function ownedConfigChanges(
  live: OwnedConfigLive,
  sections: Readonly<Record<string, string>>,
  former: Readonly<Record<string, string>> = {},
): OwnedEntryChange[] {
  const planned = plannedEntries(sections);
  const plannedIds = new Set(planned.map((p) => entryId(p.kind, p.key)));
  const changes: OwnedEntryChange[] = [];
  for (const p of planned) {
    const id = entryId(p.kind, p.key);
    const found = live.entries[id];
    const base = pathOf(p.section, p.kind, p.label);
    if (!found) {
      changes.push({ key: base, entry: id, from: undefined, to: p.value, whole: true });
      continue;
    }
    for (const d of entryDifferences(found.value, p.value) as EntryDifference[])
      changes.push({
        key: d.path ? `${base}.${d.path}` : base,
        entry: id,
        from: d.from,
        to: d.to,
        whole: false,
      });
  }
  const sectionOf = new Map<string, string>();
  for (const p of planned) sectionOf.set(kindName(p.kind), p.section);
  const leftovers = new Map<string, { section: string; kind: EntryKind; key: string }>();
  for (const f of plannedEntries(former)) {
    sectionOf.set(kindName(f.kind), sectionOf.get(kindName(f.kind)) ?? f.section);
    const id = entryId(f.kind, f.key);
    if (plannedIds.has(id) || f.kind === PFSENSE_ENTRY_KINDS.interface) continue;
    if (live.present[kindName(f.kind)]?.includes(f.key))
      leftovers.set(id, { section: f.section, kind: f.kind, key: f.key });
  }
  for (const id of Object.keys(live.entries)) {
    if (plannedIds.has(id) || leftovers.has(id)) continue;
    const [name] = id.split(':', 1);
    const kind = Object.entries(PFSENSE_ENTRY_KINDS).find(([n]) => n === name)?.[1] as EntryKind | undefined;
    if (!kind || kind === PFSENSE_ENTRY_KINDS.interface) continue;
    const key = id.slice(name!.length + 1);
    leftovers.set(id, { section: sectionOf.get(name!) ?? kind.container[0] ?? kind.element, kind, key });
  }
  for (const [id, { section, kind, key }] of [...leftovers].sort(([a], [b]) => a.localeCompare(b))) {
    const found = live.entries[id];
    changes.push({
      key: pathOf(section, kind, found?.label ?? key),
      entry: id,
      from: found?.value ?? '(present)',
      to: undefined,
      whole: true,
    });
  }
  return changes;
}
