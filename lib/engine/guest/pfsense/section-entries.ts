import { type EntryKind, keyOfEntry, type OwnedEntries } from './config-xml-merge.ts';
import { childElementKind, PFSENSE_ENTRY_KINDS, wholeElementKind } from './pfsense-entry-kinds.ts';
import { PfsenseError } from './pfsense-errors.ts';
import { scanXml, type XmlNode } from './xml-scan.ts';

/**
 * A `pvecdk_pfsense_config` resource's sections (rendered XML by element
 * name) as the entries it owns: a section is not replaced whole, only the
 * entries in it are pvecdk's, so a rule added by hand in the same `<filter>`
 * survives. Interfaces are never removed (the router cannot run without its
 * WAN and LAN): a deletion leaves them as they are.
 */

/** Sections whose child elements are the entries, by the children's kind. */
const CONTAINER_SECTIONS: Readonly<Record<string, Readonly<Record<string, EntryKind>>>> = {
  interfaces: { '*': PFSENSE_ENTRY_KINDS.interface },
  gateways: { gateway_item: PFSENSE_ENTRY_KINDS.gateway },
  aliases: { alias: PFSENSE_ENTRY_KINDS.alias },
  filter: { rule: PFSENSE_ENTRY_KINDS.filterRule },
  nat: { rule: PFSENSE_ENTRY_KINDS.portForward },
  openvpn: {
    'openvpn-server': PFSENSE_ENTRY_KINDS.openvpnServer,
    'openvpn-client': PFSENSE_ENTRY_KINDS.openvpnClient,
    'openvpn-csc': PFSENSE_ENTRY_KINDS.openvpnCsc,
  },
};

/** Sections that are entries themselves, directly under `<pfsense>` and possibly repeated. */
const ENTRY_SECTIONS: Readonly<Record<string, EntryKind>> = {
  ca: PFSENSE_ENTRY_KINDS.ca,
  cert: PFSENSE_ENTRY_KINDS.cert,
  crl: PFSENSE_ENTRY_KINDS.crl,
};

/** The WireGuard package's section: its rendered root is `<tunnels>` or `<peers>`. */
const WIREGUARD_PARTS: Readonly<Record<string, EntryKind>> = {
  tunnels: PFSENSE_ENTRY_KINDS.wireguardTunnel,
  peers: PFSENSE_ENTRY_KINDS.wireguardPeer,
};

/** Kinds never removed by a deletion or by leaving the plan. */
const NEVER_REMOVED = new Set<EntryKind>([PFSENSE_ENTRY_KINDS.interface]);

/** The text of an element of a rendered section, moved to column 0 (its own lines keep their levels). */
function entryText(xml: string, node: XmlNode): string {
  const lineStart = xml.lastIndexOf('\n', node.start - 1) + 1;
  const base = xml.slice(lineStart, node.start);
  const body = xml.slice(node.start, node.end);
  if (!/^[ \t]*$/.test(base) || !base) return body;
  return body
    .split('\n')
    .map((line, i) => (i > 0 && line.startsWith(base) ? line.slice(base.length) : line))
    .join('\n');
}

interface KindEntries {
  readonly kind: EntryKind;
  readonly entries: string[];
}

/** One section's entries, by kind. */
export function sectionEntries(name: string, xml: string): KindEntries[] {
  const what = `section ${name}`;
  const { roots } = scanXml(xml, what);
  const byKind = new Map<string, KindEntries>();
  const add = (kind: EntryKind, entry: string) => {
    const id = `${kind.container.join('/')}|${kind.element}|${kind.label}`;
    const at = byKind.get(id) ?? { kind, entries: [] };
    at.entries.push(entry);
    byKind.set(id, at);
  };
  const refuse = (problem: string): never => {
    throw new PfsenseError(
      'PFSENSE_CONFIG_INVALID',
      `${what}: ${problem}`,
      'a section is one element named as its key (or, for ca, cert and crl, such elements)',
    );
  };
  const container = CONTAINER_SECTIONS[name];
  const entryKind = ENTRY_SECTIONS[name];
  if (entryKind) {
    for (const root of roots) {
      if (root.name !== name) refuse(`holds <${root.name}>, not <${name}>`);
      add(entryKind, entryText(xml, root));
    }
  } else if (name === 'wireguard') {
    for (const root of roots) {
      const kind = WIREGUARD_PARTS[root.name] ?? refuse(`holds <${root.name}>, not <tunnels> or <peers>`);
      for (const item of root.children) add(kind, entryText(xml, item));
    }
  } else if (container) {
    if (roots.length !== 1 || roots[0]!.name !== name) refuse(`must be one <${name}> element`);
    for (const child of roots[0]!.children) {
      const kind = container[child.name] ?? container['*'] ?? childElementKind(name, child.name);
      add(kind, entryText(xml, child));
    }
  } else {
    if (roots.length !== 1 || roots[0]!.name !== name) refuse(`must be one <${name}> element`);
    add(wholeElementKind(name), entryText(xml, roots[0]!));
  }
  return [...byKind.values()];
}

/** The kinds a set of sections holds, each with its entries' keys. */
function keysByKind(
  sections: Readonly<Record<string, string>>,
): Map<string, { kind: EntryKind; keys: string[] }> {
  const out = new Map<string, { kind: EntryKind; keys: string[] }>();
  for (const [name, xml] of Object.entries(sections)) {
    for (const { kind, entries } of sectionEntries(name, xml)) {
      const id = `${kind.container.join('/')}|${kind.element}|${kind.label}`;
      const at = out.get(id) ?? { kind, keys: [] };
      at.keys.push(...entries.map((e) => keyOfEntry(kind, e)));
      out.set(id, at);
    }
  }
  return out;
}

/**
 * What the merge is to make of the config.xml: the entries `sections` hold,
 * and the removal of those `former` sections (the ones last applied) held
 * and these no longer do. Without `sections` (a deletion), everything the
 * former sections held goes, but the interfaces.
 */
export function ownedEntriesOf(
  sections: Readonly<Record<string, string>>,
  former: Readonly<Record<string, string>> = {},
): OwnedEntries[] {
  const out = new Map<string, { kind: EntryKind; wanted: string[]; formerKeys: string[] }>();
  const idOf = (kind: EntryKind) => `${kind.container.join('/')}|${kind.element}|${kind.label}`;
  for (const [name, xml] of Object.entries(sections)) {
    for (const { kind, entries } of sectionEntries(name, xml)) {
      const at = out.get(idOf(kind)) ?? { kind, wanted: [], formerKeys: [] };
      at.wanted.push(...entries);
      out.set(idOf(kind), at);
    }
  }
  for (const [id, { kind, keys }] of keysByKind(former)) {
    if (NEVER_REMOVED.has(kind)) continue;
    const at = out.get(id) ?? { kind, wanted: [], formerKeys: [] };
    const wanted = new Set(at.wanted.map((e) => keyOfEntry(kind, e)));
    at.formerKeys.push(...keys.filter((k) => !wanted.has(k)));
    out.set(id, at);
  }
  return [...out.values()].map(({ kind, wanted, formerKeys }) => ({
    kind,
    wanted,
    ...(formerKeys.length ? { formerKeys } : {}),
  }));
}
