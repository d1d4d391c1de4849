import { z } from 'zod';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';

/** Where a router rule applies: the three bridges and the VPN tunnels. */
export type RouterInterface = 'wan' | 'lan' | 'dmz' | 'openvpn' | 'wireguard';

/** pfSense's names for them: the DMZ is the first optional interface. */
export const PFSENSE_INTERFACE: Record<RouterInterface, string> = {
  wan: 'wan',
  lan: 'lan',
  dmz: 'opt1',
  openvpn: 'openvpn',
  wireguard: 'wireguard',
};

/** A pfSense filter rule in the platform's terms. */
export interface RouterRule {
  /** The interface whose inbound traffic the rule matches. */
  readonly interface: RouterInterface;
  /** `pass` lets the traffic through, `block` drops it silently, `reject` refuses it. */
  readonly action: 'pass' | 'block' | 'reject';
  /** The protocol matched; `any` matches every protocol. */
  readonly protocol: 'tcp' | 'udp' | 'tcp/udp' | 'icmp' | 'any';
  /** `any`, an address, a CIDR, an alias name, or `lan` / `dmz` for those networks. */
  readonly source: string;
  /** The same forms as `source`; `wanip` is the router's WAN address. */
  readonly destination: string;
  /**
   * A port, a range `a-b`, or `any`; ignored for `icmp`.
   * @default 'any'
   */
  readonly destinationPort?: string;
  /** Why the rule exists, 1 to 200 characters; with the interface, it identifies the rule. */
  readonly description: string;
}

/** A NAT port forward from the WAN. */
export interface RouterPortForward {
  /** The protocol forwarded. */
  readonly protocol: 'tcp' | 'udp' | 'tcp/udp';
  /** The port or range `a-b` on the WAN address. */
  readonly externalPort: string;
  /** The internal IPv4 address traffic is forwarded to. */
  readonly target: string;
  /** The port or range `a-b` on the target. */
  readonly targetPort: string;
  /** Why the forward exists, 1 to 200 characters. */
  readonly description: string;
}

/** A named set of addresses or ports rules can refer to. */
export interface RouterAlias {
  /** The alias name rules use: letters, digits and `_`, not starting with a digit, at most 31 characters. */
  readonly name: string;
  /** What the entries are: host addresses, networks (CIDR) or ports. */
  readonly type: 'host' | 'network' | 'port';
  /** The alias's members, at least one. */
  readonly entries: readonly string[];
  /** What the alias is for, at most 200 characters. */
  readonly description: string;
}

const PORT = /^(any|\d{1,5}(-\d{1,5})?)$/;

export const RouterRuleSchema = z.strictObject({
  interface: z.enum(['wan', 'lan', 'dmz', 'openvpn', 'wireguard']),
  action: z.enum(['pass', 'block', 'reject']),
  protocol: z.enum(['tcp', 'udp', 'tcp/udp', 'icmp', 'any']),
  source: z.string().min(1),
  destination: z.string().min(1),
  destinationPort: z.string().regex(PORT, 'a port, a range a-b, or any').optional(),
  description: z.string().min(1).max(200),
});

export const RouterPortForwardSchema = z.strictObject({
  protocol: z.enum(['tcp', 'udp', 'tcp/udp']),
  externalPort: z.string().regex(PORT, 'a port or a range a-b'),
  target: z.ipv4(),
  targetPort: z.string().regex(PORT, 'a port or a range a-b'),
  description: z.string().min(1).max(200),
});

export const RouterAliasSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/, 'letters, digits and _, at most 31 characters'),
  type: z.enum(['host', 'network', 'port']),
  entries: z.array(z.string().min(1)).min(1),
  description: z.string().max(200),
});

// tsc fails here, naming the keys, when an interface above and its schema drift apart.
type _RuleInStep = NoSchemaDrift<SchemaDrift<RouterRule, typeof RouterRuleSchema>>;
type _PortForwardInStep = NoSchemaDrift<SchemaDrift<RouterPortForward, typeof RouterPortForwardSchema>>;
type _AliasInStep = NoSchemaDrift<SchemaDrift<RouterAlias, typeof RouterAliasSchema>>;
