import { Construct } from 'constructs';
import { z } from 'zod';
import { SecretValue } from '../core/secret.ts';
import {
  renderOpenVpnCertificates,
  renderOpenVpnCsc,
  renderOpenVpnProfile,
  renderOpenVpnServer,
  renderWireGuardClient,
  renderWireGuardPeer,
  renderWireGuardTunnel,
} from '../render/index.ts';
import { VpnUser } from '../resources/guest/vpn-user.ts';
import type { PfSenseRouter } from './pfsense-router.ts';
import { checked, inConstruct, parseProps } from './private/errors.ts';
import { addressPool, seedOf } from './private/identity/allocators.ts';
import { formatCidr, formatIpv4, type Ipv4Cidr, parseCidr } from './private/identity/ipv4.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';

export interface VpnAccessProps {
  /** The pfSense router the VPN server runs on. */
  readonly router: PfSenseRouter;
  /**
   * OpenVPN (TLS with tls-crypt, a client certificate per user) or WireGuard (a peer per user).
   * @default 'openvpn'
   */
  readonly kind?: 'openvpn' | 'wireguard';
  /** The DNS name or IPv4 address customers' clients dial (on the WAN), written into their profiles. */
  readonly endpoint: string;
  /**
   * The UDP port the server listens on, on the router's WAN address, 1 to 65535.
   * @default - 1194 for OpenVPN, 51820 for WireGuard
   */
  readonly port?: number;
  /** Addresses handed to VPN clients (IPv4 CIDR); each user gets a fixed one. */
  readonly tunnelNetwork: string;
  /**
   * OpenVPN only: the AEAD data ciphers offered, at least one.
   * @default - `AES-256-GCM`, `AES-128-GCM`, `CHACHA20-POLY1305`
   */
  readonly dataCiphers?: readonly ('AES-256-GCM' | 'AES-128-GCM' | 'CHACHA20-POLY1305')[];
}

export interface VpnUserOptions {
  /** Lower-case user name, also the certificate's common name. */
  readonly name: string;
  /**
   * The description of the user's entry on the router.
   * @default - the user's `name`
   */
  readonly description?: string;
  /**
   * Pin the tunnel address (IPv4, inside the tunnel network) instead of deriving it.
   * @default - derived from the name, inside the tunnel network, never its first two addresses
   */
  readonly tunnelAddress?: string;
}

const PropsSchema = z
  .object({
    kind: z.enum(['openvpn', 'wireguard']).default('openvpn'),
    endpoint: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a DNS name or IPv4 address'),
    port: z.number().int().min(1).max(65_535).optional(),
    tunnelNetwork: z.string().superRefine(checked((v: string) => parseCidr(v))),
    dataCiphers: z
      .array(z.enum(['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305']))
      .min(1)
      .optional(),
  })
  // WireGuard has one fixed cipher suite: a cipher list there would be accepted and then never used.
  .refine((p) => p.kind === 'openvpn' || p.dataCiphers === undefined, {
    message:
      "applies to OpenVPN only: WireGuard's cipher suite is fixed; remove dataCiphers or use kind: 'openvpn'",
    path: ['dataCiphers'],
  });

// tsc fails here, naming the keys, when VpnAccessProps and PropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<SchemaDrift<VpnAccessProps, typeof PropsSchema, 'router'>>;

const WG_SERVER_KEY = 'generated:wg/server.key';
const WG_SERVER_PUB = 'generated:wg/server.pub';
const WG_TUNNEL = 'tun_wg0';

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
 * and a ready `.ovpn` profile; or, with `kind: 'wireguard'`, a WireGuard
 * tunnel with one peer and a wg-quick profile per user. VPN clients may
 * reach only what `allowTo` opens (the RDS host's 3389).
 */
export class VpnAccess extends Construct {
  readonly router: PfSenseRouter;
  readonly kind: 'openvpn' | 'wireguard';
  readonly tunnel: Ipv4Cidr;
  readonly endpoint: string;
  readonly port: number;
  private readonly dataCiphers: readonly string[] | undefined;
  private readonly reachable: string[] = [];

  constructor(scope: Construct, id: string, props: VpnAccessProps) {
    super(scope, id);
    const p = parseProps(PropsSchema, { ...props, router: undefined }, this.node.path, 'VpnAccess');
    this.router = props.router;
    this.kind = p.kind;
    this.tunnel = inConstruct(this, () => parseCidr(p.tunnelNetwork));
    this.endpoint = p.endpoint;
    this.port = p.port ?? (p.kind === 'openvpn' ? 1194 : 51820);
    this.dataCiphers = p.dataCiphers;
    inConstruct(this, () =>
      p.kind === 'openvpn' ? this.openVpnServer(p.tunnelNetwork) : this.wireGuardServer(),
    );
    this.router.addRule({
      interface: 'wan',
      action: 'pass',
      protocol: 'udp',
      source: 'any',
      destination: 'wanip',
      destinationPort: String(this.port),
      description: p.kind === 'openvpn' ? 'OpenVPN clients' : 'WireGuard clients',
    });
  }

  private openVpnServer(tunnelNetwork: string): void {
    const server = {
      vpnId: 1,
      description: 'pvecdk customers',
      port: this.port,
      tunnelNetwork,
      localNetworks: [formatCidr(this.router.dmz.cidr!)],
      ...(this.dataCiphers ? { dataCiphers: this.dataCiphers } : {}),
      caName: 'pvecdk-vpn-ca',
      serverCertName: 'pvecdk-vpn-server',
      crlName: 'pvecdk-vpn-crl',
      secrets: VPN_SECRETS,
    };
    const certs = renderOpenVpnCertificates(server);
    const secrets = Object.values(VPN_SECRETS);
    this.router.setSection('openvpn', renderOpenVpnServer(server), secrets);
    this.router.setSection('ca', certs.ca, secrets);
    this.router.setSection('cert', certs.cert, secrets);
  }

  private wireGuardServer(): void {
    const tunnel = renderWireGuardTunnel({
      name: WG_TUNNEL,
      listenPort: this.port,
      address: formatIpv4(this.tunnel.network + 1),
      prefix: this.tunnel.prefix,
      privateKeySecret: WG_SERVER_KEY,
      description: 'pvecdk customers',
    });
    this.router.setSection('wireguard', tunnel, [WG_SERVER_KEY]);
  }

  /** Let VPN clients reach one address and port (and nothing else is opened). */
  allowTo(address: string, port: number, description: string): void {
    this.reachable.push(address);
    this.router.addRule({
      interface: this.kind,
      action: 'pass',
      protocol: 'tcp',
      source: formatCidr(this.tunnel),
      destination: address,
      destinationPort: String(port),
      description,
    });
  }

  /** A VPN user, created in `scope` (the customer's stack): key material, fixed address, client profile. */
  addUser(scope: Construct, options: VpnUserOptions): VpnUser {
    const { identities } = this.router.cluster;
    const address =
      options.tunnelAddress ??
      inConstruct(scope, () =>
        identities.allocate(
          'vpn_address',
          scope,
          addressPool(this.tunnel, 'tunnel addresses', 'the VpnAccess tunnelNetwork', 2),
          seedOf(`ip:vpn:${options.name}`),
        ),
      );
    identities.claim('vpn_address', address, scope);
    this.router.cluster.identities.claim('user_name', `vpn:${options.name}`, scope);
    const description = options.description ?? options.name;
    return inConstruct(scope, () =>
      this.kind === 'openvpn'
        ? this.openVpnUser(scope, options.name, address, description)
        : this.wireGuardUser(scope, options.name, address, description),
    );
  }

  private openVpnUser(scope: Construct, name: string, address: string, description: string): VpnUser {
    const userSecrets = {
      clientCert: `generated:vpn/users/${name}.crt`,
      clientKey: `generated:vpn/users/${name}.key`,
    };
    return new VpnUser(scope, 'VpnUser', {
      target: this.router.guestTarget(),
      userName: name,
      kind: 'openvpn',
      tunnelAddress: address,
      privateKey: SecretValue.generated(`vpn/users/${name}.key`),
      routerEntry: renderOpenVpnCsc(1, {
        commonName: name,
        tunnelAddress: address,
        tunnelPrefix: this.tunnel.prefix,
        description,
      }),
      profile: renderOpenVpnProfile({
        remoteHost: this.endpoint,
        port: this.port,
        serverName: 'pvecdk-vpn-server',
        ...(this.dataCiphers ? { dataCiphers: this.dataCiphers } : {}),
        secrets: { caCert: VPN_SECRETS.caCert, tlsCrypt: VPN_SECRETS.tlsCrypt, ...userSecrets },
      }),
      profileFileName: `${name}.ovpn`,
    });
  }

  private wireGuardUser(scope: Construct, name: string, address: string, description: string): VpnUser {
    return new VpnUser(scope, 'VpnUser', {
      target: this.router.guestTarget(),
      userName: name,
      kind: 'wireguard',
      tunnelAddress: address,
      privateKey: SecretValue.generated(`wg/users/${name}.key`),
      routerEntry: renderWireGuardPeer({
        tunnel: WG_TUNNEL,
        description,
        publicKeySecret: `generated:wg/users/${name}.pub`,
        presharedKeySecret: `generated:wg/users/${name}.psk`,
        address,
      }),
      profile: renderWireGuardClient({
        address,
        prefix: 32,
        endpointHost: this.endpoint,
        endpointPort: this.port,
        allowedIps: this.reachable.length ? this.reachable : [formatCidr(this.router.dmz.cidr!)],
        serverPublicKey: `{{secret:${WG_SERVER_PUB}}}`,
        secrets: {
          privateKey: `generated:wg/users/${name}.key`,
          presharedKey: `generated:wg/users/${name}.psk`,
        },
      }),
      profileFileName: `${name}.conf`,
    });
  }
}
