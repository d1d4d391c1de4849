// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.

/** A filter rule as data, next to its rendered XML, so policies and diffs can read it. */
export interface PfsenseRuleSummary {
  /** `wan`, `lan`, `opt1`, `openvpn`, ... */
  readonly interface: string;
  /** What a match does. */
  readonly type: 'pass' | 'block' | 'reject';
  /** `tcp`, `udp`, `tcp/udp`, `icmp` or `any`. */
  readonly protocol: string;
  /** `any`, a CIDR, an address, an alias or a pfSense network name such as `lan`. */
  readonly source: string;
  /** Like `source`. */
  readonly destination: string;
  /** A port, a range `a-b` or `any`. */
  readonly destinationPort: string;
  /** The rule description. */
  readonly description: string;
}
