import { secretMarker } from './secret-marker.ts';
import { requireCidr, requireIpv4, requireName, requirePort } from './validate.ts';

export interface WireGuardClientInput {
  readonly address: string;
  readonly prefix: number;
  readonly dns?: readonly string[];
  readonly endpointHost: string;
  readonly endpointPort: number;
  /** Only these networks go through the tunnel: the RDS host's address on this platform. */
  readonly allowedIps: readonly string[];
  readonly serverPublicKey: string;
  readonly secrets: { readonly privateKey: string; readonly presharedKey?: string };
  readonly keepaliveSeconds?: number;
}

/** A wg-quick client configuration; keys appear as secret markers. */
export function renderWireGuardClient(input: WireGuardClientInput): string {
  requireIpv4('address', input.address);
  requireName('endpointHost', input.endpointHost, /^[A-Za-z0-9.-]+$/, 'a host name or IPv4 address');
  requirePort('endpointPort', input.endpointPort);
  for (const [i, ip] of input.allowedIps.entries())
    requireCidr(`allowedIps[${i}]`, ip.includes('/') ? ip : `${ip}/32`);
  requireName(
    'serverPublicKey',
    input.serverPublicKey,
    /^([A-Za-z0-9+/]{43}=|\{\{secret:[^}]+\}\})$/,
    'a base64 WireGuard public key',
  );
  const lines = [
    '[Interface]',
    `PrivateKey = ${secretMarker(input.secrets.privateKey)}`,
    `Address = ${input.address}/${input.prefix}`,
    ...(input.dns?.length ? [`DNS = ${input.dns.join(', ')}`] : []),
    '',
    '[Peer]',
    `PublicKey = ${input.serverPublicKey}`,
    ...(input.secrets.presharedKey ? [`PresharedKey = ${secretMarker(input.secrets.presharedKey)}`] : []),
    `Endpoint = ${input.endpointHost}:${input.endpointPort}`,
    `AllowedIPs = ${input.allowedIps.map((ip) => (ip.includes('/') ? ip : `${ip}/32`)).join(', ')}`,
    `PersistentKeepalive = ${input.keepaliveSeconds ?? 25}`,
    '',
  ];
  return lines.join('\n');
}
