import { fenceRuleName } from '../../render/rds-user-scripts.ts';
import type { RdsFenceRuleSummary } from '../../resources/generated/rds-fence-rule-summary.ts';
import { FOUR_D_PORTS } from '../customer-db-vm.ts';
import { cidrSize, formatIpv4, type Ipv4Cidr, parseIpv4 } from './identity/ipv4.ts';

/** A 4D server an RDS user is granted. */
export interface FencedServer {
  readonly name: string;
  readonly address: string;
}

const PORTS = `${FOUR_D_PORTS.first}-${FOUR_D_PORTS.last}`;

/**
 * The tenant fence of one RDS user, as outbound Windows Firewall rules scoped
 * to the account: an Allow rule per granted 4D server, and one Block rule for
 * the 4D ports to every other address of the LAN. Windows applies Block
 * before Allow, so the Block rule lists the LAN minus the granted servers:
 * every other customer's server, those of customers not deployed yet included.
 */
export function rdsFenceRules(
  user: string,
  granted: readonly FencedServer[],
  lan: Ipv4Cidr,
): RdsFenceRuleSummary[] {
  const servers = [...new Map(granted.map((s) => [s.name, s])).values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const allow = servers.map(
    (s): RdsFenceRuleSummary => ({
      name: fenceRuleName(user, `allow/${s.name}`),
      displayName: `pvecdk: ${user} may reach 4D server ${s.name}`,
      action: 'Allow',
      remotePorts: PORTS,
      remoteAddresses: [s.address],
      servers: [s.name],
    }),
  );
  const others = lanExcept(
    lan,
    servers.map((s) => parseIpv4(s.address)),
  );
  const block: RdsFenceRuleSummary[] = others.length
    ? [
        {
          name: fenceRuleName(user, 'block'),
          displayName: `pvecdk: ${user} may reach no other 4D server`,
          action: 'Block',
          remotePorts: PORTS,
          remoteAddresses: others,
        },
      ]
    : [];
  return [...allow, ...block];
}

/** The LAN's addresses except `holes`, as Windows Firewall ranges (`a-b`, or `a` alone). */
export function lanExcept(lan: Ipv4Cidr, holes: readonly number[]): string[] {
  const first = lan.network;
  const last = lan.network + cidrSize(lan) - 1;
  const ranges: string[] = [];
  let from = first;
  for (const hole of [...new Set(holes)].filter((h) => h >= first && h <= last).sort((a, b) => a - b)) {
    if (hole > from) ranges.push(range(from, hole - 1));
    from = hole + 1;
  }
  if (from <= last) ranges.push(range(from, last));
  return ranges;
}

function range(a: number, b: number): string {
  return a === b ? formatIpv4(a) : `${formatIpv4(a)}-${formatIpv4(b)}`;
}
