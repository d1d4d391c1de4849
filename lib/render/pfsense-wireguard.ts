import { secretMarker } from './secret-marker.ts';
import { requireCidr, requireIpv4, requireName, requirePort } from './validate.ts';
import { buildXml } from './xml.ts';

/**
 * WireGuard on pfSense (the WireGuard package): the tunnel under
 * `<installedpackages><wireguard><tunnels>` and one peer per user under
 * `<peers>`. Private keys appear as secret markers.
 */
export interface WireGuardTunnelInput {
  readonly name: string;
  readonly listenPort: number;
  readonly address: string;
  readonly prefix: number;
  readonly privateKeySecret: string;
  readonly description: string;
}

export function renderWireGuardTunnel(input: WireGuardTunnelInput): string {
  requireName('name', input.name, /^tun_wg\d{1,3}$/, 'a tunnel name such as tun_wg0');
  requirePort('listenPort', input.listenPort);
  requireIpv4('address', input.address);
  return buildXml({
    tunnels: {
      item: {
        name: input.name,
        enabled: 'yes',
        descr: input.description,
        listenport: input.listenPort,
        privatekey: secretMarker(input.privateKeySecret),
        addresses: { row: { address: input.address, mask: input.prefix, descr: input.description } },
      },
    },
  });
}

export interface WireGuardPeerInput {
  readonly tunnel: string;
  readonly description: string;
  /** The peer's public key: derived from its private key by the engine, hence a marker at synth. */
  readonly publicKeySecret: string;
  readonly presharedKeySecret?: string;
  /** The peer's own tunnel address (/32). */
  readonly address: string;
}

export function renderWireGuardPeer(input: WireGuardPeerInput): string {
  requireCidr('address', `${input.address}/32`);
  return buildXml({
    item: {
      enabled: 'yes',
      tun: input.tunnel,
      descr: input.description,
      publickey: secretMarker(input.publicKeySecret),
      ...(input.presharedKeySecret ? { presharedkey: secretMarker(input.presharedKeySecret) } : {}),
      allowedips: { row: { address: input.address, mask: 32, descr: input.description } },
    },
  });
}
