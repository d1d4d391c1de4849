import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

  it.each([
    ['null', 'null', '(top level): expected an object of secret names to strings, found null'],
    [
      'an array',
      '["Zq9-hunter2-Xy"]',
      '(top level): expected an object of secret names to strings, found an array',
    ],
    ['a number', '8675309', '(top level): expected an object of secret names to strings, found a number'],
    ['a name with a number', '{"rds/users/a": 8675309}', "'rds/users/a': expected a string, found a number"],
    [
      'a name with an object',
      '{"ssh/x": {"key": "Zq9-hunter2-Xy"}}',
      "'ssh/x': expected a string, found an object",
    ],
  ])(
    'GIVEN a store holding %s WHEN opened THEN SECRET_STORE_CORRUPT names the file and the field, never the content',
    (_, content, line) => {
      const d = dir();
      const file = join(d, 'secrets', 'prod.json');
      mkdirSync(join(d, 'secrets'));
      writeFileSync(file, content);
      let thrown: unknown;
      try {
        new SecretStore(d, 'prod');
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({
        code: 'SECRET_STORE_CORRUPT',
        message: `${file} is not a pvecdk secret store:\n  ${line}`,
        hint: expect.stringContaining('restore it from a backup'),
      });
    },
  );

  it('GIVEN a store that is not JSON and holds a secret WHEN opened THEN the message gives the place, none of the text', () => {
    const d = dir();
    const file = join(d, 'secrets', 'prod.json');
    mkdirSync(join(d, 'secrets'));
    writeFileSync(file, '{\n  "vpn/ca.key": "MIIEvZq9hunter2XyQ" x\n}');
    let thrown: unknown;
    try {
      new SecretStore(d, 'prod');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'SECRET_STORE_CORRUPT' });
    expect((thrown as Error).message).toBe(`${file} is not valid JSON (line 2, column 38)`);
  });

  it('GIVEN two stores on one file (two deploys) WHEN each remembers, forgets and generates THEN no update of the other is lost or reverted', () => {
    const d = dir();
    const a = new SecretStore(d, 'prod');
    const b = new SecretStore(d, 'prod');
    a.remember('received/pve-tokens/a@pve!deploy', 'secret-a');
    b.remember('received/pve-tokens/b@pve!deploy', 'secret-b');
    expect(a.resolve('generated:received/pve-tokens/b@pve!deploy')).toBe('secret-b');
    // b recreated the token a knew: a sees the new value, and a's next write keeps it.
    b.remember('received/pve-tokens/a@pve!deploy', 'secret-a2');
    a.remember('received/pve-tokens/c@pve!deploy', 'secret-c');
    a.forget('received/pve-tokens/b@pve!deploy');
    expect(JSON.parse(readFileSync(join(d, 'secrets', 'prod.json'), 'utf8'))).toEqual({
      'received/pve-tokens/a@pve!deploy': 'secret-a2',
      'received/pve-tokens/c@pve!deploy': 'secret-c',
    });
    // What one made first, the other uses, though it read the store before.
    const password = b.resolve('generated:rds/users/acme.alice');
    expect(a.resolve('generated:rds/users/acme.alice')).toBe(password);
    expect(b.names).toEqual(a.names);
  });

  it('GIVEN no state folder WHEN the first secret is kept THEN the folders are made 0700 and the file 0600', () => {
    const d = join(dir(), '.pvecdk');
    new SecretStore(d, 'prod').remember('received/pve-tokens/a@pve!deploy', 'secret-a');
    for (const folder of [d, join(d, 'secrets')])
      expect({ folder, mode: statSync(folder).mode & 0o777 }).toEqual({ folder, mode: 0o700 });
    expect(statSync(join(d, 'secrets', 'prod.json')).mode & 0o777).toBe(0o600);
  });
});
