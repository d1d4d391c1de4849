import { createHash } from 'node:crypto';
import { requireIpv4, requireName, requirePortSpec, requirePrefix } from './validate.ts';
import { buildXml, FLAG } from './xml.ts';

/**
 * config.xml sections of the pfSense router: interfaces, gateways, aliases,
 * filter rules and port forwards. Each renders the entries pvecdk owns; the
 * engine merges them into the router's config.xml.
 */

export interface PfsenseInterfaceInput {
  /** `wan`, `lan`, `opt1`, ... */
  readonly key: string;
  /** FreeBSD device, `vtnet0`... */
  readonly device: string;
  readonly description: string;
  /** An IPv4 address or `dhcp`. */
  readonly address: string;
  readonly prefix?: number;
  /** Name of the gateway entry (WAN). */
  readonly gatewayName?: string;
  /** Block private and bogon networks arriving on this interface (WAN). */
  readonly blockPrivate?: boolean;
}

export interface PfsenseGatewayInput {
  readonly name: string;
  readonly interface: string;
  readonly address: string;
  readonly description: string;
}

export interface PfsenseRuleInput {
  readonly interface: string;
  readonly type: 'pass' | 'block' | 'reject';
  readonly protocol: 'tcp' | 'udp' | 'tcp/udp' | 'icmp' | 'any';
  readonly source: string;
  readonly destination: string;
  readonly destinationPort: string;
  readonly description: string;
}

export interface PfsenseAliasInput {
  readonly name: string;
  readonly type: 'host' | 'network' | 'port';
  readonly entries: readonly string[];
  readonly description: string;
}

export interface PfsensePortForwardInput {
  readonly interface: string;
  readonly protocol: 'tcp' | 'udp' | 'tcp/udp';
  readonly externalPort: string;
  readonly target: string;
  readonly targetPort: string;
  readonly description: string;
}

/** Rules pvecdk owns carry this prefix in their description and a tracker in its own range. */
export const OWNED_PREFIX = 'pvecdk: ';
const TRACKER_BASE = 3_000_000_000;

/** A tracker derived from what a rule is (interface, description), never from time: stable across renders. */
export function ruleTracker(identity: string): number {
  return TRACKER_BASE + (createHash('sha256').update(identity).digest().readUInt32BE(0) % 100_000_000);
}

const NETWORK_NAMES = new Set(['wan', 'lan', 'opt1', 'opt2', 'wanip', 'lanip', 'opt1ip', '(self)']);

function endpoint(value: string, port?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === 'any') out.any = FLAG;
  else if (NETWORK_NAMES.has(value)) out.network = value;
  else out.address = value;
  if (port && port !== 'any') out.port = port.replace('-', ':');
  return out;
}

export function renderInterfaces(interfaces: readonly PfsenseInterfaceInput[]): string {
  const tree: Record<string, unknown> = {};
  for (const [i, itf] of interfaces.entries()) {
    const where = `interfaces[${i}]`;
    requireName(`${where}.key`, itf.key, /^(wan|lan|opt\d{1,2})$/, 'wan, lan or optN');
    requireName(`${where}.device`, itf.device, /^[a-z]+\d+$/, 'a FreeBSD device name such as vtnet0');
    const entry: Record<string, unknown> = { enable: FLAG, if: itf.device, descr: itf.description };
    if (itf.address === 'dhcp') entry.ipaddr = 'dhcp';
    else {
      entry.ipaddr = requireIpv4(`${where}.address`, itf.address);
      entry.subnet = requirePrefix(`${where}.prefix`, itf.prefix ?? -1);
    }
    if (itf.gatewayName) entry.gateway = itf.gatewayName;
    if (itf.blockPrivate) Object.assign(entry, { blockpriv: FLAG, blockbogons: FLAG });
    tree[itf.key] = entry;
  }
  return buildXml({ interfaces: tree });
}

export function renderGateways(gateways: readonly PfsenseGatewayInput[]): string {
  return buildXml({
    gateways: {
      gateway_item: gateways.map((g, i) => ({
        interface: g.interface,
        gateway: requireIpv4(`gateways[${i}].address`, g.address),
        name: requireName(
          `gateways[${i}].name`,
          g.name,
          /^[A-Za-z0-9_]{1,31}$/,
          'a gateway name (letters, digits, _)',
        ),
        weight: 1,
        ipprotocol: 'inet',
        descr: g.description,
      })),
    },
  });
}

export function renderAliases(aliases: readonly PfsenseAliasInput[]): string {
  return buildXml({
    aliases: {
      alias: aliases.map((a, i) => ({
        name: requireName(
          `aliases[${i}].name`,
          a.name,
          /^[A-Za-z_][A-Za-z0-9_]{0,30}$/,
          'an alias name (letters, digits, _)',
        ),
        type: a.type,
        address: a.entries.join(' '),
        descr: `${OWNED_PREFIX}${a.description}`,
        detail: a.entries.map(() => 'pvecdk').join('||'),
      })),
    },
  });
}

export function renderFilterRules(rules: readonly PfsenseRuleInput[]): string {
  const trackers = new Set<number>();
  return buildXml({
    filter: {
      rule: rules.map((r, i) => {
        requirePortSpec(`rules[${i}].destinationPort`, r.destinationPort);
        let tracker = ruleTracker(`${r.interface}|${r.description}`);
        // Two rules with one identity still get distinct trackers, in a stable way.
        while (trackers.has(tracker)) tracker += 1;
        trackers.add(tracker);
        return {
          tracker,
          type: r.type,
          interface: r.interface,
          ipprotocol: 'inet',
          ...(r.protocol === 'any' ? {} : { protocol: r.protocol }),
          source: endpoint(r.source),
          destination: endpoint(r.destination, r.protocol === 'icmp' ? undefined : r.destinationPort),
          descr: `${OWNED_PREFIX}${r.description}`,
        };
      }),
    },
  });
}

export function renderPortForwards(forwards: readonly PfsensePortForwardInput[]): string {
  return buildXml({
    nat: {
      rule: forwards.map((f, i) => {
        requirePortSpec(`portForwards[${i}].externalPort`, f.externalPort);
        requirePortSpec(`portForwards[${i}].targetPort`, f.targetPort);
        return {
          interface: f.interface,
          protocol: f.protocol,
          target: requireIpv4(`portForwards[${i}].target`, f.target),
          'local-port': f.targetPort,
          source: { any: FLAG },
          destination: endpoint(`${f.interface}ip`, f.externalPort),
          descr: `${OWNED_PREFIX}${f.description}`,
          'associated-rule-id': `pvecdk_${ruleTracker(`nat|${f.description}`)}`,
        };
      }),
    },
  });
}
