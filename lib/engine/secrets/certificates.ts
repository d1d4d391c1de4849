import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

function rsaKeyPair(bits = 3072) {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

function serial(): string {
  // Positive, 16 bytes: what X.509 asks of a serial number.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function build(
  commonName: string,
  publicKey: string,
  days: number,
  extensions: object[],
  issuer: { name: forge.pki.CertificateField[]; key: string } | undefined,
  selfKey: string,
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(issuer?.name ?? subject);
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(issuer?.key ?? selfKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The VPN's certificate authority: ten years, signs only certificates. */
export function createCertificateAuthority(commonName: string): KeyAndCert {
  const { privateKey, publicKey } = rsaKeyPair();
  const cert = build(
    commonName,
    publicKey,
    3650,
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    undefined,
    privateKey,
  );
  return { key: privateKey, cert };
}

/**
 * A certificate signed by `ca`: `server` for the OpenVPN server (checked by
 * clients through remote-cert-tls server), `client` for a user.
 */
export function issueCertificate(
  ca: KeyAndCert,
  commonName: string,
  kind: 'server' | 'client',
  days = 825,
): KeyAndCert {
  const { privateKey, publicKey } = rsaKeyPair(2048);
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = build(
    commonName,
    publicKey,
    days,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: kind === 'server', clientAuth: kind === 'client' },
    ],
    { name: caCert.subject.attributes, key: ca.key },
    privateKey,
  );
  return { key: privateKey, cert };
}

/** An OpenVPN static key (tls-crypt), in the format `openvpn --genkey` writes: 2048 bits as hex lines. */
export function createOpenVpnStaticKey(): string {
  const hex = randomBytes(256).toString('hex');
  const lines = hex.match(/.{32}/g)!;
  return ['-----BEGIN OpenVPN Static key V1-----', ...lines, '-----END OpenVPN Static key V1-----', ''].join(
    '\n',
  );
}

/** A WireGuard key pair as wg-quick wants it: 32-byte X25519 keys in base64. */
export function createWireGuardKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const d = privateKey.export({ format: 'jwk' }).d!;
  const x = publicKey.export({ format: 'jwk' }).x!;
  return {
    privateKey: Buffer.from(d, 'base64url').toString('base64'),
    publicKey: Buffer.from(x, 'base64url').toString('base64'),
  };
}

/** A password Windows accepts under its default complexity rules, from a CSPRNG. */
export function createPassword(length = 24): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!#%+-.=?@_'];
  const all = sets.join('');
  const pick = (chars: string) => chars[randomBytes(4).readUInt32BE(0) % chars.length]!;
  const chars = [...sets.map(pick), ...Array.from({ length: length - sets.length }, () => pick(all))];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE(0) % (i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
