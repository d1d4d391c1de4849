import { DEFAULT_DATA_CIPHERS } from './pfsense-openvpn.ts';
import { secretMarker } from './secret-marker.ts';
import { requireName, requirePort } from './validate.ts';

export interface OpenVpnProfileInput {
  /** The VPN endpoint clients dial: a DNS name or address on the WAN. */
  readonly remoteHost: string;
  readonly port: number;
  /** The server certificate's common name, checked by the client. */
  readonly serverName: string;
  readonly dataCiphers?: readonly string[];
  readonly secrets: {
    readonly caCert: string;
    readonly clientCert: string;
    readonly clientKey: string;
    readonly tlsCrypt: string;
  };
}

/**
 * A client `.ovpn` profile with everything inline. The key material appears as
 * secret markers; the engine writes the filled profile (mode 0600) for the
 * operator to hand to the user.
 */
export function renderOpenVpnProfile(input: OpenVpnProfileInput): string {
  requireName('remoteHost', input.remoteHost, /^[A-Za-z0-9.-]+$/, 'a host name or IPv4 address');
  requirePort('port', input.port);
  const block = (tag: string, ref: string) => [`<${tag}>`, secretMarker(ref), `</${tag}>`];
  return [
    'client',
    'dev tun',
    'proto udp4',
    `remote ${input.remoteHost} ${input.port}`,
    'resolv-retry infinite',
    'nobind',
    'persist-key',
    'persist-tun',
    'remote-cert-tls server',
    `verify-x509-name ${input.serverName} name`,
    `data-ciphers ${(input.dataCiphers ?? DEFAULT_DATA_CIPHERS).join(':')}`,
    'auth SHA256',
    'verb 3',
    ...block('ca', input.secrets.caCert),
    ...block('cert', input.secrets.clientCert),
    ...block('key', input.secrets.clientKey),
    ...block('tls-crypt', input.secrets.tlsCrypt),
    '',
  ].join('\n');
}
