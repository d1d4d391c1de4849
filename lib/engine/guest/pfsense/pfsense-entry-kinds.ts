import type { EntryKind, EntryView } from './config-xml-merge.ts';

/**
 * The kinds of config.xml entries pvecdk writes, and what makes one
 * pvecdk's. The marks are the renderers' (lib/render/pfsense-sections.ts),
 * restated here because the engine does not import the renderers; a test
 * keeps the two equal.
 */

/** Descriptions of the rules, aliases and port forwards pvecdk owns start with this. */
export const OWNED_DESCRIPTION_PREFIX = 'pvecdk: ';
/** Filter rule trackers pvecdk gives are in [first, first + count). */
export const OWNED_TRACKERS = { first: 3_000_000_000, count: 100_000_000 } as const;
/** Port forwards pvecdk writes pair with a rule id starting with this. */
export const OWNED_RULE_ID_PREFIX = 'pvecdk_';

const describedAsOurs = (e: EntryView) => (e.field('descr') ?? '').startsWith(OWNED_DESCRIPTION_PREFIX);

function trackerIsOurs(e: EntryView): boolean {
  const tracker = Number(e.field('tracker') ?? Number.NaN);
  return (
    Number.isInteger(tracker) &&
    tracker >= OWNED_TRACKERS.first &&
    tracker < OWNED_TRACKERS.first + OWNED_TRACKERS.count
  );
}

const field =
  (name: string) =>
  (e: EntryView): string | undefined =>
    e.field(name) || undefined;

/** Entries keyed by a field, in a container. */
const keyed = (label: string, container: readonly string[], element: string, by: string): EntryKind => ({
  label,
  container,
  element,
  key: field(by),
});

export const PFSENSE_ENTRY_KINDS = {
  /** `<interfaces><wan>`: an interface is its element name. */
  interface: { label: 'interface', container: ['interfaces'], element: '*', key: (e) => e.name },
  gateway: keyed('gateway', ['gateways'], 'gateway_item', 'name'),
  alias: { ...keyed('alias', ['aliases'], 'alias', 'name'), marked: describedAsOurs },
  filterRule: {
    label: 'filter rule',
    container: ['filter'],
    element: 'rule',
    key: field('tracker'),
    marked: (e) => trackerIsOurs(e) || describedAsOurs(e),
  },
  portForward: {
    label: 'port forward',
    container: ['nat'],
    element: 'rule',
    key: (e) => {
      const id = e.field('associated-rule-id') ?? '';
      return id.startsWith(OWNED_RULE_ID_PREFIX) ? id : undefined;
    },
    marked: describedAsOurs,
  },
  openvpnServer: keyed('OpenVPN server', ['openvpn'], 'openvpn-server', 'vpnid'),
  openvpnClient: keyed('OpenVPN client', ['openvpn'], 'openvpn-client', 'vpnid'),
  /** A client-specific override, by the certificate common name it applies to. */
  openvpnCsc: keyed('OpenVPN client override', ['openvpn'], 'openvpn-csc', 'common_name'),
  ca: keyed('certificate authority', [], 'ca', 'refid'),
  cert: keyed('certificate', [], 'cert', 'refid'),
  crl: keyed('certificate revocation list', [], 'crl', 'refid'),
  wireguardTunnel: keyed('WireGuard tunnel', ['installedpackages', 'wireguard', 'tunnels'], 'item', 'name'),
  /** A WireGuard peer, by its description (the user it is for). */
  wireguardPeer: keyed('WireGuard peer', ['installedpackages', 'wireguard', 'peers'], 'item', 'descr'),
} satisfies Record<string, EntryKind>;

/** A whole top-level element pvecdk owns (a section with no entry kind of its own). */
export function wholeElementKind(name: string): EntryKind {
  return { label: `<${name}> section`, container: [], element: name, key: (e) => e.name };
}

/** Child elements of a section with no entry kind of their own: each owned by its element name. */
export function childElementKind(section: string, name: string): EntryKind {
  return { label: `<${section}><${name}>`, container: [section], element: name, key: (e) => e.name };
}

/**
 * A kind as a short stable name (`filterRule`, `cert`, `section:system`,
 * `element:nat/outbound`): what a change names an entry by, so applying a
 * removal finds the kind again.
 */
export function kindName(kind: EntryKind): string {
  const known = Object.entries(PFSENSE_ENTRY_KINDS).find(([, k]) => k === kind)?.[0];
  if (known) return known;
  return kind.container.length
    ? `element:${kind.container.join('/')}/${kind.element}`
    : `section:${kind.element}`;
}

/** The kind `kindName` named; undefined for a name it never gives. */
export function kindNamed(name: string): EntryKind | undefined {
  if (Object.hasOwn(PFSENSE_ENTRY_KINDS, name))
    return PFSENSE_ENTRY_KINDS[name as keyof typeof PFSENSE_ENTRY_KINDS];
  const section = /^section:([A-Za-z_][-\w.]*)$/.exec(name)?.[1];
  if (section) return wholeElementKind(section);
  const element = /^element:([A-Za-z_][-\w.]*)\/([A-Za-z_][-\w.]*)$/.exec(name);
  return element ? childElementKind(element[1]!, element[2]!) : undefined;
}
