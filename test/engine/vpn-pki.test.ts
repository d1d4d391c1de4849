import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import {
  CRL_NAME,
  currentRevocationList,
  REVOCATIONS_NAME,
  revokedSerials,
  revokeUserCertificate,
} from '../../lib/engine/secrets/vpn-revocations.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pvecdk-pki-'));
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** Runs openssl in `cwd`; returns its combined output and whether it succeeded. */
function openssl(cwd: string, ...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function files(d: string, named: Record<string, string>): void {
  for (const [name, text] of Object.entries(named)) writeFileSync(join(d, name), text);
}

describe('VPN PKI: the platform CA, user certificates and the CRL', { timeout: 90_000 }, () => {
  it('GIVEN a store WHEN the CA is asked for twice and from a new store THEN it is made once and kept', () => {
    const d = dir();
    const ca = new SecretStore(d, 'prod').resolve('generated:vpn/ca.crt');
    new SecretStore(d, 'prod').resolve('generated:vpn/users/alice.crt');
    expect(new SecretStore(d, 'prod').resolve('generated:vpn/ca.crt')).toBe(ca);
    const cert = new X509Certificate(ca);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=pvecdk VPN CA');
  });

  it('GIVEN a user and the server WHEN issued THEN CN is the name, the CA signed them, and the purposes are clientAuth and serverAuth', () => {
    const d = dir();
    const store = new SecretStore(d, 'prod');
    const ca = new X509Certificate(store.resolve('generated:vpn/ca.crt'));
    const user = new X509Certificate(store.resolve('generated:vpn/users/alice.crt'));
    const server = new X509Certificate(store.resolve('generated:vpn/server.crt'));
    expect(user.subject).toBe('CN=alice');
    expect(user.checkIssued(ca) && user.verify(ca.publicKey)).toBe(true);
    expect(user.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth only
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth only
    expect(server.verify(ca.publicKey)).toBe(true);
  });

  it('GIVEN a new CA WHEN its CRL is read twice THEN it is empty, number 1, and the same text both times (a re-deploy changes nothing)', () => {
    const store = new SecretStore(dir(), 'prod');
    const crl = currentRevocationList(store);
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----\n/);
    expect(currentRevocationList(store)).toBe(crl);
    expect(JSON.parse(store.stored(REVOCATIONS_NAME)!)).toMatchObject({ number: 1, revoked: [] });
  });

  it('GIVEN a deployed user WHEN revoked THEN the serial is listed, the CRL number grows, the certificate leaves the store, and a second revoke changes nothing', () => {
    const d = dir();
    const store = new SecretStore(d, 'prod');
    const first = new X509Certificate(store.resolve('generated:vpn/users/alice.crt'));
    const before = currentRevocationList(store);
    const serial = revokeUserCertificate(store, 'alice');
    expect(serial).toBe(first.serialNumber.toLowerCase());
    expect(revokedSerials(store)).toEqual([serial]);
    expect(JSON.parse(store.stored(REVOCATIONS_NAME)!)).toMatchObject({ number: 2 });
    expect(store.stored('vpn/users/alice.crt')).toBeUndefined();
    expect(store.stored('vpn/users/alice.key')).toBeUndefined();
    const after = store.stored(CRL_NAME)!;
    expect(after).not.toBe(before);
    expect(revokeUserCertificate(new SecretStore(d, 'prod'), 'alice')).toBeUndefined();
    expect(new SecretStore(d, 'prod').stored(CRL_NAME)).toBe(after);

    // The user added again later gets a new certificate, not the revoked one; the list keeps the old serial.
    const again = new X509Certificate(store.resolve('generated:vpn/users/alice.crt'));
    expect(again.serialNumber).not.toBe(first.serialNumber);
    revokeUserCertificate(store, 'bob');
    expect(revokedSerials(store)).toEqual([serial]);
  });

  it.skipIf(!hasOpenssl)(
    'GIVEN revoked and kept users WHEN openssl checks the CRL THEN its signature verifies, it lists the revoked serial, and only the revoked certificate fails',
    () => {
      const d = dir();
      const store = new SecretStore(join(d, 'state'), 'prod');
      const alice = store.resolve('generated:vpn/users/alice.crt');
      const bob = store.resolve('generated:vpn/users/bob.crt');
      currentRevocationList(store); // number 1, empty: what the router got when the users were deployed
      const serial = revokeUserCertificate(store, 'alice')!;
      files(d, {
        'ca.crt': store.resolve('generated:vpn/ca.crt'),
        'crl.pem': currentRevocationList(store),
        'alice.crt': alice,
        'bob.crt': bob,
      });
      const verified = openssl(d, 'crl', '-in', 'crl.pem', '-CAfile', 'ca.crt', '-noout', '-verify', '-text');
      expect(verified.ok, verified.out).toBe(true);
      expect(verified.out).toContain('verify OK');
      expect(verified.out).toMatch(/X509v3 CRL Number:\s+2/);
      expect(verified.out.toLowerCase()).toContain(`serial number: ${serial}`);
      expect(verified.out).toContain('X509v3 Authority Key Identifier');
      execFileSync('sh', ['-c', 'cat ca.crt crl.pem > chain.pem'], { cwd: d });
      const a = openssl(d, 'verify', '-crl_check', '-CAfile', 'chain.pem', 'alice.crt');
      expect(a.ok).toBe(false);
      expect(a.out).toContain('certificate revoked');
      const b = openssl(
        d,
        'verify',
        '-crl_check',
        '-purpose',
        'sslclient',
        '-CAfile',
        'chain.pem',
        'bob.crt',
      );
      expect(b.ok, b.out).toBe(true);
    },
  );

  it.skipIf(!hasOpenssl)(
    'GIVEN a new CA WHEN openssl checks its empty CRL THEN the signature verifies',
    () => {
      const d = dir();
      const store = new SecretStore(join(d, 'state'), 'prod');
      files(d, { 'crl.pem': currentRevocationList(store), 'ca.crt': store.resolve('generated:vpn/ca.crt') });
      const r = openssl(d, 'crl', '-in', 'crl.pem', '-CAfile', 'ca.crt', '-noout', '-verify', '-text');
      expect(r.ok, r.out).toBe(true);
      expect(r.out).toContain('No Revoked Certificates');
    },
  );

  it('GIVEN a damaged revocation record WHEN revoking THEN the error names the record and never quotes it', () => {
    const store = new SecretStore(dir(), 'prod');
    store.resolve('generated:vpn/users/alice.crt');
    store.edit(() => ({ set: { [REVOCATIONS_NAME]: 'not json sekrit' }, result: undefined }));
    expect(() => revokeUserCertificate(store, 'alice')).toThrow(
      expect.objectContaining({
        code: 'SECRET_STORE_CORRUPT',
        message: expect.not.stringContaining('sekrit'),
      }),
    );
  });
});
