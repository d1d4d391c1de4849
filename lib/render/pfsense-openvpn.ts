import { createHash } from 'node:crypto';
import { secretMarker } from './secret-marker.ts';
import { requireCidr, requireIpv4, requireName, requirePort } from './validate.ts';
import { buildXml } from './xml.ts';

/**
 * The OpenVPN remote-access server on pfSense: the CA and server certificate
 * entries, the server itself, and one client-specific override per user
 * pinning their tunnel address. Key material is referenced by secret
 * markers; the engine generates it and fills it in on the router.
 */

export const DEFAULT_DATA_CIPHERS = ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'] as const;

/** pfSense matches certificates by a 13-hex-digit refid; derive it from the name so it is stable. */
export function refid(name: string): string {
  return createHash('sha256').update(`refid:${name}`).digest('hex').slice(0, 13);
}

export interface OpenVpnServerInput {
  readonly vpnId: number;
  readonly description: string;
  readonly port: number;
  readonly tunnelNetwork: string;
  /** Networks pushed to clients as routes: on this platform, the DMZ only. */
  readonly localNetworks: readonly string[];
  readonly dataCiphers?: readonly string[];
  /** Names of the CA and server certificate (their refids derive from these). */
  readonly caName: string;
  readonly serverCertName: string;
  /**
   * The name of the CA's revocation list (its refid derives from it): the
   * server checks clients against it. The engine installs the `<crl>` itself
   * (the VPN user handler), as revocations change it.
   */
  readonly crlName?: string;
  /** Secret references of the generated material. */
  readonly secrets: {
    readonly caCert: string;
    readonly caKey: string;
    readonly serverCert: string;
    readonly serverKey: string;
    readonly tlsCrypt: string;
  };
}

export function renderOpenVpnCertificates(input: OpenVpnServerInput): { ca: string; cert: string } {
  const ca = buildXml({
    ca: {
      refid: refid(input.caName),
      descr: input.caName,
      trust: 'disabled',
      crt: secretMarker(input.secrets.caCert),
      prv: secretMarker(input.secrets.caKey),
      serial: 1,
    },
  });
  const cert = buildXml({
    cert: {
      refid: refid(input.serverCertName),
      descr: input.serverCertName,
      type: 'server',
      caref: refid(input.caName),
      crt: secretMarker(input.secrets.serverCert),
      prv: secretMarker(input.secrets.serverKey),
    },
  });
  return { ca, cert };
}

export function renderOpenVpnServer(
  input: OpenVpnServerInput,
  clients: readonly OpenVpnClientInput[] = [],
): string {
  requirePort('port', input.port);
  requireCidr('tunnelNetwork', input.tunnelNetwork);
  for (const [i, n] of input.localNetworks.entries()) requireCidr(`localNetworks[${i}]`, n);
  const ciphers = input.dataCiphers ?? DEFAULT_DATA_CIPHERS;
  for (const c of ciphers)
    requireName('dataCiphers', c, /^(AES-(128|192|256)-GCM|CHACHA20-POLY1305)$/, 'an AEAD cipher');
  return buildXml({
    openvpn: {
      'openvpn-server': {
        vpnid: input.vpnId,
        mode: 'server_tls',
        protocol: 'UDP4',
        dev_mode: 'tun',
        interface: 'wan',
        local_port: input.port,
        description: input.description,
        caref: refid(input.caName),
        certref: refid(input.serverCertName),
        ...(input.crlName ? { crlref: refid(input.crlName) } : {}),
        tls: secretMarker(input.secrets.tlsCrypt),
        tls_type: 'crypt',
        dh_length: 'none',
        ecdh_curve: 'prime256v1',
        data_ciphers: ciphers.join(','),
        data_ciphers_fallback: 'AES-256-GCM',
        digest: 'SHA256',
        cert_depth: 1,
        tunnel_network: input.tunnelNetwork,
        local_network: input.localNetworks.join(','),
        // No <gwredir/>: clients get only the routes above, never a default route through the platform.
        topology: 'subnet',
      },
      'openvpn-csc': clients.map((c) => cscEntry(input.vpnId, c)),
    },
  });
}

export interface OpenVpnClientInput {
  /** Certificate common name = user name. */
  readonly commonName: string;
  readonly tunnelAddress: string;
  readonly tunnelPrefix: number;
  readonly description: string;
}

/**
 * No `<push_reset/>`: pfSense then writes `push-reset` into the override,
 * which drops what the server pushes (the DMZ route, `topology subnet`) and
 * leaves the client a point-to-point address it cannot use; the real-OpenVPN
 * test (test/vpn/openvpn-real.test.ts) shows it. The server pushes only the
 * DMZ route anyway.
 */
function cscEntry(vpnId: number, c: OpenVpnClientInput): Record<string, unknown> {
  requireName('commonName', c.commonName, /^[a-z0-9][a-z0-9._-]{0,63}$/, 'a lower-case user name');
  return {
    server_list: vpnId,
    common_name: c.commonName,
    tunnel_network: `${requireIpv4('tunnelAddress', c.tunnelAddress)}/${c.tunnelPrefix}`,
    description: c.description,
  };
}

/** One user's client-specific override, as the engine adds it to the router's `<openvpn>`. */
export function renderOpenVpnCsc(vpnId: number, client: OpenVpnClientInput): string {
  return buildXml({ 'openvpn-csc': cscEntry(vpnId, client) });
}
