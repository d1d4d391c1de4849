import { randomBytes } from 'node:crypto';
import { generateOpenSshEd25519KeyPair } from '../../core/private/openssh-ed25519.ts';
import {
  createCertificateAuthority,
  createOpenVpnStaticKey,
  createPassword,
  createWireGuardKeyPair,
  issueCertificate,
} from './certificates.ts';
import { SecretError } from './secret-errors.ts';
import { initialRevocations } from './vpn-revocations.ts';

/** Where values the engine received rather than made live (an API token's secret), kept by `remember`. */
export const RECEIVED_PREFIX = 'received/';

type Generated = Record<string, string>;

/**
 * Generators by secret name. Some make several related secrets at once (a
 * key and its certificate, a key pair); all of them are stored together.
 */
export function generate(name: string, get: (name: string) => string): Generated {
  if (name.startsWith(RECEIVED_PREFIX)) {
    // Proxmox showed this value once; making up another would only look like it.
    throw new SecretError(
      'SECRET_UNKNOWN_GENERATOR',
      `secret '${name}' was received from Proxmox when it was created, and this store does not hold it`,
      'it was created from another machine, or the store was lost: delete the object in Proxmox and deploy again to create it anew',
    );
  }
  const ca = () => ({ cert: get('vpn/ca.crt'), key: get('vpn/ca.key') });
  const rules: Array<[RegExp, (m: RegExpExecArray) => Generated]> = [
    [
      /^vpn\/ca\.(crt|key)$/,
      () => {
        const c = createCertificateAuthority('pvecdk VPN CA');
        return { 'vpn/ca.crt': c.cert, 'vpn/ca.key': c.key };
      },
    ],
    [
      /^vpn\/server\.(crt|key)$/,
      () => {
        const c = issueCertificate(ca(), 'pvecdk-vpn-server', 'server');
        return { 'vpn/server.crt': c.cert, 'vpn/server.key': c.key };
      },
    ],
    [
      /^vpn\/users\/([a-z0-9][a-z0-9._-]*)\.(crt|key)$/,
      (m) => {
        const c = issueCertificate(ca(), m[1]!, 'client');
        return { [`vpn/users/${m[1]}.crt`]: c.cert, [`vpn/users/${m[1]}.key`]: c.key };
      },
    ],
    // The CA's revocation record and CRL start empty; lib/engine/secrets/vpn-revocations.ts grows them.
    [/^vpn\/ca\.(crl|revocations)$/, () => initialRevocations(ca())],
    [/^vpn\/tls-crypt\.key$/, () => ({ [name]: createOpenVpnStaticKey() })],
    [
      /^(wg\/(?:users\/)?[a-z0-9._-]+?)\.(key|pub)$/,
      (m) => {
        const pair = createWireGuardKeyPair();
        return { [`${m[1]}.key`]: pair.privateKey, [`${m[1]}.pub`]: pair.publicKey };
      },
    ],
    [/^wg\/.+\.psk$/, () => ({ [name]: randomBytes(32).toString('base64') })],
    [
      /^(ssh\/[a-z0-9._-]+?)(\.pub)?$/,
      (m) => {
        // Not ssh2's generator: it writes one key in 256 malformed (see openssh-ed25519.ts).
        const pair = generateOpenSshEd25519KeyPair('pvecdk');
        return { [m[1]!]: pair.private, [`${m[1]}.pub`]: pair.public };
      },
    ],
  ];
  for (const [pattern, make] of rules) {
    const m = pattern.exec(name);
    if (m) return make(m);
  }
  if (/\.(crt|key|pub|psk|pem)$/.test(name)) {
    throw new SecretError(
      'SECRET_UNKNOWN_GENERATOR',
      `no generator for secret '${name}'`,
      'key material is generated for vpn/, wg/ and ssh/ names; use SecretValue.file() for others',
    );
  }
  // Anything else is a password.
  return { [name]: createPassword() };
}
