import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptFiles, newAgeIdentity } from '../../lib/engine/secrets/age-bridge.ts';
import { identityFilePath, readIdentities } from '../../lib/engine/secrets/age-identity.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { TeamSecretFile, teamMutexPath } from '../../lib/engine/secrets/team-secret-store.ts';

interface Operator {
  readonly identityFile: string;
  readonly recipient: string;
}

function operator(dir: string, name: string): Operator {
  const { identity, recipient } = newAgeIdentity();
  const identityFile = join(dir, `${name}.txt`);
  writeFileSync(identityFile, `# ${name}\n${identity}\n`, { mode: 0o600 });
  return { identityFile, recipient };
}

/** A project folder with a team store encrypted to `recipients`, opened with `who`'s identity. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-team-'));
  const file = join(dir, 'pvecdk.secrets.json');
  const stateDir = join(dir, '.pvecdk');
  const open = (who: Operator, recipients: readonly string[]) =>
    new TeamSecretFile({ file, recipients, mutex: teamMutexPath(stateDir), identityFile: who.identityFile });
  const store = (who: Operator, recipients: readonly string[], remote = 'prod') =>
    new SecretStore(stateDir, remote, dir, open(who, recipients));
  return { dir, file, stateDir, open, store };
}

const entries = (file: string, remote = 'prod') =>
  (JSON.parse(readFileSync(file, 'utf8')) as { remotes: Record<string, Record<string, string>> }).remotes[
    remote
  ]!;

describe('team secret store (age)', { timeout: 60_000 }, () => {
  const keys = mkdtempSync(join(tmpdir(), 'pvecdk-keys-'));
  const alice = operator(keys, 'alice');
  const bob = operator(keys, 'bob');
  const carol = operator(keys, 'carol');
  const both = [alice.recipient, bob.recipient];

  it('GIVEN two recipients WHEN one writes secrets THEN each identity reads the same values', () => {
    const p = project();
    const ca = p.store(alice, both).resolve('generated:vpn/ca.crt');
    const password = p.store(alice, both).resolve('generated:rds/acme.alice');
    const asBob = p.store(bob, both);
    expect(asBob.stored('vpn/ca.crt')).toBe(ca);
    expect(asBob.resolve('generated:rds/acme.alice')).toBe(password);
    expect(asBob.names).toEqual(['rds/acme.alice', 'vpn/ca.crt', 'vpn/ca.key']);
  });

  it('GIVEN generated keys, certificates, passwords and a received token WHEN kept THEN no value appears in the file bytes', () => {
    const p = project();
    const s = p.store(alice, both);
    for (const name of ['vpn/users/acme.alice.key', 'vpn/tls-crypt.key', 'ssh/guest', 'rds/acme.bob'])
      s.resolve(`generated:${name}`);
    s.remember('received/pve-tokens/ci@pve!deploy', '4b1d0c3e-5f6a-4e2b-9c8d-7a6b5c4d3e2f');
    const bytes = readFileSync(p.file, 'utf8');
    const values = p.store(bob, both).names.map((n) => s.stored(n)!);
    expect(values).toHaveLength(9);
    for (const value of values) {
      // Whole values, and every line of the PEM ones (a key's body would show line by line).
      expect(bytes).not.toContain(value);
      for (const line of value.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')))
        expect(bytes).not.toContain(line);
    }
    expect(bytes).toContain('"vpn/users/acme.alice.key"');
  });

  it('GIVEN a store for alice and bob WHEN bob is removed THEN the new file no longer opens with his identity, and alice still reads it', () => {
    const p = project();
    const value = p.store(alice, both).resolve('generated:rds/acme.alice');
    p.open(alice, both).reencrypt([alice.recipient]);
    const raw = Object.values(entries(p.file)).map((b64) => Buffer.from(b64, 'base64'));
    for (const outcome of decryptFiles(raw, readIdentities(bob.identityFile)))
      expect(outcome).toMatchObject({ error: expect.stringMatching(/no identity matched/) });
    expect(() => p.store(bob, [alice.recipient]).stored('rds/acme.alice')).toThrow(
      expect.objectContaining({ code: 'SECRET_IDENTITY_MISMATCH' }),
    );
    expect(p.store(alice, [alice.recipient]).stored('rds/acme.alice')).toBe(value);
    expect(JSON.parse(readFileSync(p.file, 'utf8')).recipients).toEqual([alice.recipient]);
  });

  it('GIVEN a write of one secret WHEN the others did not change THEN their entries keep their ciphertext (a PR shows only the changed name)', () => {
    const p = project();
    p.store(alice, both).resolve('generated:rds/acme.alice');
    const before = entries(p.file);
    p.store(bob, both).resolve('generated:rds/acme.bob');
    const after = entries(p.file);
    expect(after['rds/acme.alice']).toBe(before['rds/acme.alice']);
    expect(Object.keys(after)).toEqual(['rds/acme.alice', 'rds/acme.bob']);
  });

  it('GIVEN no identity file WHEN the store is opened THEN names are listed, and reading a value is SECRET_NO_IDENTITY naming the path', () => {
    const p = project();
    p.store(alice, both).resolve('generated:rds/acme.alice');
    const nobody = { identityFile: join(keys, 'missing.txt'), recipient: '' };
    const s = p.store(nobody, both);
    expect(s.names).toEqual(['rds/acme.alice']);
    expect(() => s.stored('rds/acme.alice')).toThrow(
      expect.objectContaining({
        code: 'SECRET_NO_IDENTITY',
        message: expect.stringContaining('missing.txt'),
      }),
    );
    expect(() => s.checkAccess()).toThrow(expect.objectContaining({ code: 'SECRET_NO_IDENTITY' }));
  });

  it('GIVEN an identity that is no recipient WHEN a value is read THEN SECRET_IDENTITY_MISMATCH lists the recipients short and says how to be added', () => {
    const p = project();
    p.store(alice, both).resolve('generated:rds/acme.alice');
    const error = (() => {
      try {
        p.store(carol, both).stored('rds/acme.alice');
      } catch (e) {
        return e as { code: string; message: string; hint: string };
      }
    })();
    expect(error?.code).toBe('SECRET_IDENTITY_MISMATCH');
    expect(error?.message).toContain(`${alice.recipient.slice(0, 10)}…${alice.recipient.slice(-6)}`);
    expect(error?.hint).toContain('pvecdk secrets recipients add');
  });

  it('GIVEN cdk.json no longer listing the recipient of a reader (the file not re-encrypted yet) WHEN a run checks its access THEN it may read but a deploy is refused before it could make what it cannot keep', () => {
    const p = project();
    p.store(alice, both).resolve('generated:rds/acme.alice');
    const asBob = p.store(bob, [alice.recipient]);
    expect(asBob.stored('rds/acme.alice')).toBeDefined();
    expect(() => asBob.checkAccess()).toThrow(
      expect.objectContaining({
        code: 'SECRET_IDENTITY_MISMATCH',
        message: expect.stringContaining('cdk.json no longer lists a recipient'),
      }),
    );
    expect(() => p.store(alice, [alice.recipient]).checkAccess()).not.toThrow();
  });

  it('GIVEN a truncated file, a damaged entry or an entry moved to another name WHEN read THEN SECRET_STORE_CORRUPT names the file (and the entry), never a value', () => {
    const p = project();
    p.store(alice, both).resolve('generated:rds/acme.alice');
    p.store(alice, both).resolve('generated:rds/acme.bob');
    const good = readFileSync(p.file, 'utf8');
    writeFileSync(p.file, good.slice(0, good.length / 2));
    expect(() => p.store(alice, both)).toThrow(
      expect.objectContaining({ code: 'SECRET_STORE_CORRUPT', message: expect.stringContaining(p.file) }),
    );
    const doc = JSON.parse(good);
    const bytes = Buffer.from(doc.remotes.prod['rds/acme.alice'], 'base64');
    bytes[bytes.length - 5]! ^= 0xff;
    writeFileSync(
      p.file,
      JSON.stringify({
        ...doc,
        remotes: { prod: { ...doc.remotes.prod, 'rds/acme.alice': bytes.toString('base64') } },
      }),
    );
    expect(() => p.store(alice, both).stored('rds/acme.alice')).toThrow(
      expect.objectContaining({
        code: 'SECRET_STORE_CORRUPT',
        message: expect.stringContaining('rds/acme.alice'),
      }),
    );
    writeFileSync(
      p.file,
      JSON.stringify({
        ...doc,
        remotes: { prod: { 'rds/acme.alice': doc.remotes.prod['rds/acme.bob'] } },
      }),
    );
    expect(() => p.store(alice, both).stored('rds/acme.alice')).toThrow(
      expect.objectContaining({
        code: 'SECRET_STORE_CORRUPT',
        message: expect.stringContaining('something else'),
      }),
    );
  });

  it('GIVEN recipients configured and a local store still holding secrets WHEN a value is wanted THEN SECRET_STORE_NOT_MIGRATED, nothing is made anew', () => {
    const p = project();
    const plain = new SecretStore(p.stateDir, 'prod', p.dir);
    plain.resolve('generated:rds/acme.alice');
    const s = p.store(alice, both);
    expect(() => s.resolve('generated:rds/acme.alice')).toThrow(
      expect.objectContaining({ code: 'SECRET_STORE_NOT_MIGRATED' }),
    );
    expect(() => s.checkAccess()).toThrow(expect.objectContaining({ code: 'SECRET_STORE_NOT_MIGRATED' }));
  });

  it('GIVEN a re-encryption WHEN it would leave no recipient, or none this process holds THEN SECRET_RECIPIENTS_LOCKOUT and the file is unchanged', () => {
    const p = project();
    p.store(alice, both).resolve('generated:rds/acme.alice');
    const before = readFileSync(p.file, 'utf8');
    expect(() => p.open(alice, both).reencrypt([bob.recipient])).toThrow(
      expect.objectContaining({ code: 'SECRET_RECIPIENTS_LOCKOUT' }),
    );
    expect(() => p.open(alice, both).reencrypt([])).toThrow(
      expect.objectContaining({ code: 'SECRET_RECIPIENTS_LOCKOUT' }),
    );
    expect(readFileSync(p.file, 'utf8')).toBe(before);
  });

  it('GIVEN an identity file with comments, or a bad line WHEN read THEN identities are found, and a bad line is named by number only', () => {
    const { identity } = newAgeIdentity();
    const file = join(keys, 'mixed.txt');
    writeFileSync(file, `# created by hand\n\n${identity}\n`);
    expect(readIdentities(file)).toEqual([identity]);
    writeFileSync(file, `${identity}\nAGE-SECRET-KEY-NOT-REALLY\n`);
    expect(() => readIdentities(file)).toThrow(
      expect.objectContaining({
        code: 'SECRET_IDENTITY_INVALID',
        message: expect.not.stringContaining('NOT-REALLY'),
      }),
    );
    expect(() => readIdentities(file)).toThrow(/line 2/);
  });

  it('GIVEN PVECDK_AGE_IDENTITY_FILE, XDG_CONFIG_HOME or neither WHEN the identity is looked for THEN that order is followed', () => {
    expect(
      identityFilePath({ PVECDK_AGE_IDENTITY_FILE: '/ci/age.txt', XDG_CONFIG_HOME: '/x' }, '/home/op'),
    ).toBe('/ci/age.txt');
    expect(identityFilePath({ XDG_CONFIG_HOME: '/x' }, '/home/op')).toBe('/x/pvecdk/age-identity.txt');
    expect(identityFilePath({}, '/home/op')).toBe('/home/op/.config/pvecdk/age-identity.txt');
  });

  it('GIVEN remotes in one file WHEN one remote is written THEN the other keeps its values and ciphertext', () => {
    const p = project();
    p.store(alice, both, 'lab').resolve('generated:rds/x');
    const lab = entries(p.file, 'lab');
    p.store(alice, both, 'prod').resolve('generated:rds/y');
    expect(entries(p.file, 'lab')).toEqual(lab);
    expect(p.store(bob, both, 'prod').names).toEqual(['rds/y']);
  });
});
