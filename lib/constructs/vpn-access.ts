import { Construct } from 'constructs';
import { z } from 'zod';
import { SecretValue } from '../core/secret.ts';
import {
  renderOpenVpnCertificates,
  renderOpenVpnCsc,
  renderOpenVpnProfile,
  renderOpenVpnServer,
} from '../render/index.ts';
import { VpnUser } from '../resources/guest/vpn-user.ts';
import { checked, parseProps } from './errors.ts';
import { addressFromSeed } from './identity/allocators.ts';
import { formatCidr, type Ipv4Cidr, parseCidr } from './identity/ipv4.ts';
import type { PfSenseRouter } from './pfsense-router.ts';

export interface VpnAccessProps {
  readonly router: PfSenseRouter;
  /** The name or address customers' clients dial (on the WAN). */
  readonly endpoint: string;
  readonly port?: number;
  /** Addresses handed to VPN clients; each user gets a fixed one. */
  readonly tunnelNetwork: string;
  readonly dataCiphers?: string[];
}

export interface VpnUserOptions {
  /** Lower-case user name, also the certificate's common name. */
  readonly name: string;
  readonly description?: string;
  /** Pin the tunnel address instead of deriving it from the name. */
  readonly tunnelAddress?: string;
}

const PropsSchema = z.object({
  endpoint: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a DNS name or IPv4 address'),
  port: z.number().int().min(1).max(65_535).default(1194),
  tunnelNetwork: z.string().superRefine(checked((v: string) => parseCidr(v))),
  dataCiphers: z
    .array(z.enum(['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305']))
    .min(1)
    .optional(),
});

const VPN_SECRETS = {
  caCert: 'generated:vpn/ca.crt',
  caKey: 'generated:vpn/ca.key',
  serverCert: 'generated:vpn/server.crt',
  serverKey: 'generated:vpn/server.key',
  tlsCrypt: 'generated:vpn/tls-crypt.key',
} as const;

/**
 * The mandatory way in: an OpenVPN server on the router (TLS with tls-crypt,
 * AEAD ciphers only, routes to the DMZ only), a CA and server certificate the
 * engine generates, and per user a client certificate, a fixed tunnel address
 * and a ready `.ovpn` profile. VPN clients may reach only what `allowTo`
 * opens (the RDS host's 3389).
 */
export class VpnAccess extends Construct {
  readonly router: PfSenseRouter;
  readonly tunnel: Ipv4Cidr;
  readonly endpoint: string;
  readonly port: number;
  private readonly dataCiphers: readonly string[] | undefined;

  constructor(scope: Construct, id: string, props: VpnAccessProps) {
    super(scope, id);
    const p = parseProps(PropsSchema, { ...props, router: undefined }, this.node.path, 'VpnAccess');
    this.router = props.router;
    this.tunnel = parseCidr(p.tunnelNetwork);
    this.endpoint = p.endpoint;
    this.port = p.port;
    this.dataCiphers = p.dataCiphers;
    const server = {
      vpnId: 1,
      description: 'pvecdk customers',
      port: p.port,
      tunnelNetwork: p.tunnelNetwork,
      localNetworks: [formatCidr(this.router.dmz.cidr!)],
      ...(p.dataCiphers ? { dataCiphers: p.dataCiphers } : {}),
      caName: 'pvecdk-vpn-ca',
      serverCertName: 'pvecdk-vpn-server',
      secrets: VPN_SECRETS,
    };
    const certs = renderOpenVpnCertificates(server);
    const secrets = Object.values(VPN_SECRETS);
    this.router.setSection('openvpn', renderOpenVpnServer(server), secrets);
    this.router.setSection('ca', certs.ca, secrets);
    this.router.setSection('cert', certs.cert, secrets);
    this.router.addRule({
      interface: 'wan',
      action: 'pass',
      protocol: 'udp',
      source: 'any',
      destination: 'wanip',
      destinationPort: String(p.port),
      description: 'OpenVPN clients',
    });
  }

  /** Let VPN clients reach one address and port (and nothing else is opened). */
  allowTo(address: string, port: number, description: string): void {
    this.router.addRule({
      interface: 'openvpn',
      action: 'pass',
      protocol: 'tcp',
      source: formatCidr(this.tunnel),
      destination: address,
      destinationPort: String(port),
      description,
    });
  }

  /** A VPN user, created in `scope` (the customer's stack): certificate, fixed address, profile. */
  addUser(scope: Construct, options: VpnUserOptions): VpnUser {
    const address = options.tunnelAddress ?? addressFromSeed(this.tunnel, `vpn:${options.name}`, 2);
    this.router.cluster.identities.claim('vpn_address', address, scope);
    this.router.cluster.identities.claim('user_name', `vpn:${options.name}`, scope);
    const userSecrets = {
      clientCert: `generated:vpn/users/${options.name}.crt`,
      clientKey: `generated:vpn/users/${options.name}.key`,
    };
    return new VpnUser(scope, 'VpnUser', {
      target: this.router.guestTarget(),
      userName: options.name,
      kind: 'openvpn',
      tunnelAddress: address,
      privateKey: SecretValue.generated(userSecrets.clientKey.slice('generated:'.length)),
      routerEntry: renderOpenVpnCsc(1, {
        commonName: options.name,
        tunnelAddress: address,
        tunnelPrefix: this.tunnel.prefix,
        description: options.description ?? options.name,
      }),
      profile: renderOpenVpnProfile({
        remoteHost: this.endpoint,
        port: this.port,
        serverName: 'pvecdk-vpn-server',
        ...(this.dataCiphers ? { dataCiphers: this.dataCiphers } : {}),
        secrets: { caCert: VPN_SECRETS.caCert, tlsCrypt: VPN_SECRETS.tlsCrypt, ...userSecrets },
      }),
      profileFileName: `${options.name}.ovpn`,
    });
  }
}
