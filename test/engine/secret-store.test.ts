import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pvecdk-secrets-'));

describe('secret store', () => {
  it('GIVEN env and file references WHEN resolved THEN values come from there, and missing ones name what to do', () => {
    const d = dir();
    writeFileSync(join(d, 'token.txt'), 's3cret\n');
    const store = new SecretStore(join(d, '.pvecdk'), 'prod', d);
    process.env.PVECDK_TEST_TOKEN = 'from-env';
    expect(store.resolve('env:PVECDK_TEST_TOKEN')).toBe('from-env');
    expect(store.resolve('file:token.txt')).toBe('s3cret');
    expect(() => store.resolve('env:PVECDK_NOT_SET_ANYWHERE')).toThrow(
      expect.objectContaining({
        code: 'SECRET_ENV_MISSING',
        hint: expect.stringContaining('export PVECDK_NOT_SET_ANYWHERE=...'),
      }),
    );
    expect(() => store.resolve('file:missing.txt')).toThrow(
      expect.objectContaining({ code: 'SECRET_FILE_UNREADABLE' }),
    );
  });

  it('GIVEN generated secrets WHEN resolved twice and from a new store THEN they are made once, kept with mode 0600', () => {
    const d = dir();
    const first = new SecretStore(d, 'prod');
    const password = first.resolve('generated:rds/users/acme.alice');
    expect(password).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[!#%+\-.=?@_]).{24}$/);
    expect(first.resolve('generated:rds/users/acme.alice')).toBe(password);
    expect(new SecretStore(d, 'prod').resolve('generated:rds/users/acme.alice')).toBe(password);
    expect(statSync(join(d, 'secrets', 'prod.json')).mode & 0o777).toBe(0o600);
    expect(String(first)).not.toContain(password);
  });

  it('GIVEN VPN names WHEN generated THEN the CA signs the server and client certificates with the right purposes', () => {
    const store = new SecretStore(dir(), 'prod');
    const ca = new X509Certificate(store.resolve('generated:vpn/ca.crt'));
    const server = new X509Certificate(store.resolve('generated:vpn/server.crt'));
    const client = new X509Certificate(store.resolve('generated:vpn/users/acme.alice.crt'));
    expect(ca.ca).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.subject).toContain('CN=acme.alice');
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(store.resolve('generated:vpn/users/acme.alice.key')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const tls = store.resolve('generated:vpn/tls-crypt.key').split('\n');
    expect(tls[0]).toBe('-----BEGIN OpenVPN Static key V1-----');
    expect(tls.slice(1, 17).every((l) => /^[0-9a-f]{32}$/.test(l))).toBe(true);
  });

  it('GIVEN WireGuard and SSH names WHEN generated THEN key pairs come in the formats their tools read', () => {
    const store = new SecretStore(dir(), 'prod');
    const priv = store.resolve('generated:wg/users/acme.alice.key');
    const pub = store.resolve('generated:wg/users/acme.alice.pub');
    expect(Buffer.from(priv, 'base64')).toHaveLength(32);
    expect(Buffer.from(pub, 'base64')).toHaveLength(32);
    expect(store.resolve('generated:ssh/guest_ed25519')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(store.resolve('generated:ssh/guest_ed25519.pub')).toMatch(/^ssh-ed25519 AAAA/);
    expect(() => store.resolve('generated:misc/thing.crt')).toThrow(
      expect.objectContaining({ code: 'SECRET_UNKNOWN_GENERATOR' }),
    );
  });

  it('GIVEN a value Proxmox showed once WHEN remembered THEN it resolves from a new store, kept 0600, and a lost one fails instead of being invented', () => {
    const d = dir();
    const store = new SecretStore(d, 'prod');
    store.remember('received/pve-tokens/ops@pve!deploy', '0b5d4e7a-token-secret');
    expect(new SecretStore(d, 'prod').resolve('generated:received/pve-tokens/ops@pve!deploy')).toBe(
      '0b5d4e7a-token-secret',
    );
    expect(statSync(join(d, 'secrets', 'prod.json')).mode & 0o777).toBe(0o600);
    store.remember('received/pve-tokens/ops@pve!deploy', 'recreated-secret');
    expect(store.resolve('generated:received/pve-tokens/ops@pve!deploy')).toBe('recreated-secret');
    expect(() => store.resolve('generated:received/pve-tokens/other@pve!ci')).toThrow(
      expect.objectContaining({
        code: 'SECRET_UNKNOWN_GENERATOR',
        hint: expect.stringContaining('deploy again to create it anew'),
      }),
    );
    expect(store.names).not.toContain('received/pve-tokens/other@pve!ci');
    expect(() => store.remember('rds/users/x', 'v')).toThrow(/received\//);
    expect(String(store)).not.toContain('recreated-secret');
  });

  it('GIVEN a damaged store file WHEN opened THEN it is refused rather than silently regenerated', () => {
    const d = dir();
    new SecretStore(d, 'prod').resolve('generated:rds/users/x');
    writeFileSync(join(d, 'secrets', 'prod.json'), '{not json');
    expect(() => new SecretStore(d, 'prod')).toThrow(
      expect.objectContaining({ code: 'SECRET_STORE_CORRUPT' }),
    );
    expect(readFileSync(join(d, 'secrets', 'prod.json'), 'utf8')).toBe('{not json');
  });
});
