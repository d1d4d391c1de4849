import {
  renderAliases,
  renderFilterRules,
  renderGateways,
  renderInterfaces,
  renderPortForwards,
} from '../../render/index.ts';
import {
  PFSENSE_INTERFACE,
  type RouterAlias,
  type RouterPortForward,
  type RouterRule,
} from '../router-rule.ts';
import { parseInterfaceAddress } from './identity/ipv4.ts';

export interface RouterConfigInput {
  readonly hostname: string;
  readonly domain: string;
  readonly wan: { readonly address: string; readonly gateway: string | undefined };
  readonly lan: { readonly address: string; readonly prefix: number };
  readonly dmz: { readonly address: string; readonly prefix: number };
  readonly rules: readonly RouterRule[];
  readonly portForwards: readonly RouterPortForward[];
  readonly aliases: readonly RouterAlias[];
}

/** The router's own config.xml sections, keyed by element name. */
export function renderRouterConfig(input: RouterConfigInput): Record<string, string> {
  const wanStatic = input.wan.address !== 'dhcp' ? parseInterfaceAddress(input.wan.address) : undefined;
  const sections: Record<string, string> = {
    interfaces: renderInterfaces([
      {
        key: 'wan',
        device: 'vtnet0',
        description: 'WAN',
        address: wanStatic ? input.wan.address.split('/')[0]! : 'dhcp',
        ...(wanStatic ? { prefix: wanStatic.cidr.prefix } : {}),
        ...(input.wan.gateway ? { gatewayName: 'WANGW' } : {}),
        blockPrivate: true,
      },
      {
        key: 'lan',
        device: 'vtnet1',
        description: 'LAN',
        address: input.lan.address,
        prefix: input.lan.prefix,
      },
      {
        key: 'opt1',
        device: 'vtnet2',
        description: 'DMZ',
        address: input.dmz.address,
        prefix: input.dmz.prefix,
      },
    ]),
    filter: renderFilterRules(
      input.rules.map((r) => ({
        interface: PFSENSE_INTERFACE[r.interface],
        type: r.action,
        protocol: r.protocol,
        source: r.source === 'dmz' ? 'opt1' : r.source,
        destination: r.destination === 'dmz' ? 'opt1' : r.destination,
        destinationPort: r.destinationPort ?? 'any',
        description: r.description,
      })),
    ),
  };
  if (input.wan.gateway) {
    sections.gateways = renderGateways([
      { name: 'WANGW', interface: 'wan', address: input.wan.gateway, description: 'Internet' },
    ]);
  }
  if (input.aliases.length) sections.aliases = renderAliases(input.aliases);
  if (input.portForwards.length) {
    sections.nat = renderPortForwards(input.portForwards.map((f) => ({ interface: 'wan', ...f })));
  }
  return sections;
}
