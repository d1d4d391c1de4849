import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { writeFileAtomic } from '../core/private/atomic-file.ts';

export interface EmulatorCertificate {
  readonly key: string;
  readonly cert: string;
  /** SHA-256 as the Proxmox GUI shows it: `AB:CD:...`. */
  readonly fingerprint: string;
}

/**
 * The emulator's TLS certificate: self-signed for 127.0.0.1 and localhost,
 * made on first start and kept in the data dir, so a pinned fingerprint stays
 * valid across restarts. node:crypto makes the key; node-forge the certificate.
 */
export function loadOrCreateCertificate(dataDir: string): EmulatorCertificate {
  const keyFile = join(dataDir, 'pve-ssl.key');
  const certFile = join(dataDir, 'pve-ssl.pem');
  if (existsSync(keyFile) && existsSync(certFile)) {
    const cert = readFileSync(certFile, 'utf8');
    return {
      key: readFileSync(keyFile, 'utf8'),
      cert,
      fingerprint: new X509Certificate(cert).fingerprint256,
    };
  }
  const created = createSelfSignedCertificate('PVE Cluster Node (pvecdk emulator)');
  writeFileAtomic(keyFile, created.key, 0o600);
  writeFileAtomic(certFile, created.cert, 0o644);
  return created;
}

/** A self-signed server certificate for 127.0.0.1 and localhost, valid ten years. */
export function createSelfSignedCertificate(organization: string): EmulatorCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const c = forge.pki.createCertificate();
  c.publicKey = forge.pki.publicKeyFromPem(publicKey);
  c.serialNumber = Date.now().toString(16);
  c.validity.notBefore = new Date(Date.now() - 86_400_000);
  c.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const subject = [
    { name: 'organizationName', value: organization },
    { name: 'commonName', value: 'localhost' },
  ];
  c.setSubject(subject);
  c.setIssuer(subject);
  c.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  c.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const cert = forge.pki.certificateToPem(c);
  return { key: privateKey, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
