import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { TeamSecretFile, teamMutexPath } from '../../lib/engine/secrets/team-secret-store.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';
import { type CliRun, ROOT, runCli } from './run-cli.ts';

const acme = join(ROOT, 'stacks/acme.ts');

interface Operator {
  readonly identityFile: string;
  readonly recipient: string;
  readonly env: Record<string, string>;
}

/** A new identity made with the CLI, as an operator makes theirs. */
function operator(keys: string, name: string): Operator {
  const identityFile = join(keys, `${name}.txt`);
  const run = runCli(['secrets', 'identity', 'new', '--out', identityFile], { cwd: keys });
  expect(run.code, run.stderr).toBe(0);
  return { identityFile, recipient: run.stdout.trim(), env: { PVECDK_AGE_IDENTITY_FILE: identityFile } };
}

const nobody = (keys: string) => ({ PVECDK_AGE_IDENTITY_FILE: join(keys, 'no-such-identity.txt') });

function teamStore(cwd: string, who: Operator, remote = 'default', stateDir = join(cwd, '.pvecdk/sim')) {
  const recipients = (
    JSON.parse(readFileSync(join(cwd, 'cdk.json'), 'utf8')) as { secrets: { recipients: string[] } }
  ).secrets.recipients;
  const team = new TeamSecretFile({
    file: join(cwd, 'pvecdk.secrets.json'),
    recipients,
    mutex: teamMutexPath(join(cwd, '.pvecdk')),
    identityFile: who.identityFile,
  });
  return new SecretStore(stateDir, remote, cwd, team);
}

/** The CLI in a child process without blocking this one: an emulator in this process must answer it. */
function runCliAsync(args: readonly string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}bin/pvecdk.mjs`, ...args], {
      cwd,
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pvecdk secrets: a team store encrypted with age', { timeout: 180_000 }, () => {
  const keys = mkdtempSync(join(tmpdir(), 'pvecdk-age-keys-'));
  let alice: Operator;
  let bob: Operator;
  beforeAll(() => {
    alice = operator(keys, 'alice');
    bob = operator(keys, 'bob');
  }, 60_000);

  it('GIVEN identity new WHEN run THEN the file is 0600 and holds an identity, the recipient is printed, and an existing file is never overwritten', () => {
    expect(alice.recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(statSync(alice.identityFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(alice.identityFile, 'utf8');
    expect(text).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/m);
    expect(text).toContain(`# public key: ${alice.recipient}`);
    const again = runCli(['secrets', 'identity', 'new', '--out', alice.identityFile], { cwd: keys });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('CLI_IDENTITY_EXISTS');
    expect(readFileSync(alice.identityFile, 'utf8')).toBe(text);
  });

  it('GIVEN a cdk.json recipient that is not one WHEN any command loads it THEN CLI_CONFIG names cdk.json and the index', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-age-config-'));
    writeFileSync(
      join(cwd, 'cdk.json'),
      JSON.stringify({ secrets: { recipients: [alice.recipient, 'age1nope'] } }),
    );
    const run = runCli(['synth', acme], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CLI_CONFIG');
    expect(run.stderr).toContain(join(cwd, 'cdk.json'));
    expect(run.stderr).toContain('secrets.recipients.1: not an age recipient');
  });

  it('GIVEN plain local secrets WHEN the first recipient is added THEN they move into the encrypted store without loss, and adding, removing re-encrypt', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-age-migrate-'));
    const plain = new SecretStore(join(cwd, '.pvecdk/sim'), 'default', cwd);
    const names = ['vpn/ca.crt', 'vpn/users/acme.alice.key', 'rds/acme.alice'];
    for (const name of names) plain.resolve(`generated:${name}`);
    const before = Object.fromEntries(plain.names.map((n) => [n, plain.stored(n)]));
    const added = runCli(['secrets', 'recipients', 'add', alice.recipient], { cwd, env: alice.env });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`${Object.keys(before).length} local secret(s) moved in`);
    expect(existsSync(join(cwd, '.pvecdk/sim/secrets/default.json'))).toBe(false);
    const asAlice = teamStore(cwd, alice);
    expect(Object.fromEntries(asAlice.names.map((n) => [n, asAlice.stored(n)]))).toEqual(before);

    expect(runCli(['secrets', 'recipients', 'add', bob.recipient], { cwd, env: alice.env }).code).toBe(0);
    expect(teamStore(cwd, bob).stored('rds/acme.alice')).toBe(before['rds/acme.alice']);
    const twice = runCli(['secrets', 'recipients', 'add', bob.recipient], { cwd, env: alice.env });
    expect(twice.stderr).toContain('CLI_RECIPIENT_LISTED');

    // Alice may not drop her own (last) identity's recipient: she could no longer read what she wrote.
    const own = runCli(['secrets', 'recipients', 'remove', alice.recipient], { cwd, env: alice.env });
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('SECRET_RECIPIENTS_LOCKOUT');
    const removed = runCli(['secrets', 'recipients', 'remove', alice.recipient], { cwd, env: bob.env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'cdk.json'), 'utf8')).secrets.recipients).toEqual([
      bob.recipient,
    ]);
    expect(() => teamStore(cwd, alice).stored('rds/acme.alice')).toThrow(
      expect.objectContaining({ code: 'SECRET_IDENTITY_MISMATCH' }),
    );
    expect(teamStore(cwd, bob).stored('rds/acme.alice')).toBe(before['rds/acme.alice']);
  });

  it('GIVEN recipients written into cdk.json by hand WHEN the store is used THEN the plain store must be migrated first, and a listed recipient not encrypted to yet is added by recipients add', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-age-by-hand-'));
    const plain = new SecretStore(join(cwd, '.pvecdk/sim'), 'default', cwd);
    const password = plain.resolve('generated:rds/acme.alice');
    writeFileSync(join(cwd, 'cdk.json'), JSON.stringify({ secrets: { recipients: [alice.recipient] } }));
    expect(() => teamStore(cwd, alice).stored('rds/acme.alice')).toThrow(
      expect.objectContaining({ code: 'SECRET_STORE_NOT_MIGRATED' }),
    );
    const migrated = runCli(['secrets', 'migrate'], { cwd, env: alice.env });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toContain('moved 1 local secret(s)');
    expect(teamStore(cwd, alice).stored('rds/acme.alice')).toBe(password);

    writeFileSync(
      join(cwd, 'cdk.json'),
      JSON.stringify({ secrets: { recipients: [alice.recipient, bob.recipient] } }),
    );
    expect(() => teamStore(cwd, bob).stored('rds/acme.alice')).toThrow(
      expect.objectContaining({
        code: 'SECRET_IDENTITY_MISMATCH',
        message: expect.stringContaining('cdk.json lists your recipient'),
      }),
    );
    const added = runCli(['secrets', 'recipients', 'add', bob.recipient], { cwd, env: alice.env });
    expect(added.code, added.stderr).toBe(0);
    expect(teamStore(cwd, bob).stored('rds/acme.alice')).toBe(password);
  });

  it('GIVEN two clones sharing the committed encrypted file WHEN each operator asks for a VPN profile THEN both get the same one, and a clone without an identity gets SECRET_NO_IDENTITY', () => {
    const a = mkdtempSync(join(tmpdir(), 'pvecdk-age-clone-a-'));
    writeFileSync(
      join(a, 'cdk.json'),
      JSON.stringify({ secrets: { recipients: [alice.recipient, bob.recipient] } }),
    );
    expect(runCli(['synth', acme], { cwd: a }).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(a, 'cdk.out/acme.plan.json'), 'utf8')) as {
      resources: Record<string, { type: string; path: string; properties: Record<string, unknown> }>;
    };
    const [id, user] = Object.entries(plan.resources).find(
      ([, r]) => r.type === 'pvecdk_vpn_user' && r.properties.user_name === 'acme.alice',
    )!;
    // The state a deploy records (it lives in the state backend for a team; copied here).
    mkdirSync(join(a, '.pvecdk/sim/state/default'), { recursive: true });
    writeFileSync(
      join(a, '.pvecdk/sim/state/default/acme.json'),
      JSON.stringify({
        version: 1,
        stack: 'acme',
        remote: 'default',
        serial: 1,
        resources: {
          [id]: {
            type: user.type,
            path: user.path,
            attributes: {},
            properties: user.properties,
            dependsOn: [],
          },
        },
        outputs: {},
      }),
    );
    const store = teamStore(a, alice);
    for (const name of ['vpn/ca.crt', 'vpn/users/acme.alice.crt', 'vpn/tls-crypt.key'])
      store.resolve(`generated:${name}`);

    const b = mkdtempSync(join(tmpdir(), 'pvecdk-age-clone-b-'));
    for (const f of ['cdk.json', 'pvecdk.secrets.json']) cpSync(join(a, f), join(b, f));
    cpSync(join(a, '.pvecdk/sim/state'), join(b, '.pvecdk/sim/state'), { recursive: true });
    expect(existsSync(join(b, '.pvecdk/sim/secrets'))).toBe(false);

    const fromA = runCli(['vpn', 'profile', acme, 'acme.alice', '--stdout'], { cwd: a, env: alice.env });
    const fromB = runCli(['vpn', 'profile', acme, 'acme.alice', '--stdout'], { cwd: b, env: bob.env });
    expect(fromA.code, fromA.stderr).toBe(0);
    expect(fromB.code, fromB.stderr).toBe(0);
    expect(fromB.stdout).toBe(fromA.stdout);
    expect(fromA.stdout).toContain(store.stored('vpn/users/acme.alice.key')!.trim());

    const without = runCli(['vpn', 'profile', acme, 'acme.alice', '--stdout'], { cwd: b, env: nobody(keys) });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('SECRET_NO_IDENTITY');
    expect(without.stderr).toContain('pvecdk secrets identity new');
    expect(without.stdout).toBe('');
  });

  describe('against a remote', () => {
    let emulator: TestEmulator;
    let remoteEnv: Record<string, string>;
    beforeAll(async () => {
      emulator = await startTestEmulator();
      remoteEnv = {
        PVECDK_URL: emulator.server.url,
        PVECDK_TOKEN_ID: emulator.server.tokenId,
        PVECDK_TOKEN_SECRET: emulator.server.tokenSecret,
        PVECDK_FINGERPRINT: emulator.server.fingerprint,
      };
    }, 60_000);
    afterAll(async () => {
      await emulator?.close();
    });

    it('GIVEN no identity WHEN diff runs THEN it works and says what it could not read; WHEN deploy runs THEN SECRET_NO_IDENTITY, exit 2, zero API writes', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-age-remote-'));
      writeFileSync(join(cwd, 'cdk.json'), JSON.stringify({ secrets: { recipients: [alice.recipient] } }));
      const env = { ...remoteEnv, ...nobody(keys) };
      const writes = emulator.server.emulator.stats.writes;
      const diff = await runCliAsync(['diff', acme], cwd, env);
      expect(diff.code, diff.stderr).toBe(0);
      expect(diff.stderr).toContain('diff without secret values');
      expect(diff.stdout).toMatch(/acme/);
      const deploy = await runCliAsync(['deploy', acme, '--yes'], cwd, env);
      expect(deploy.code).toBe(2);
      expect(deploy.stderr).toContain('SECRET_NO_IDENTITY');
      expect(emulator.server.emulator.stats.writes).toBe(writes);
      expect(existsSync(join(cwd, '.pvecdk/state'))).toBe(false);
    });

    it('GIVEN an identity that is a recipient WHEN deployed THEN the generated secrets are in the encrypted file only, and no value reaches the output', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-age-deploy-'));
      writeFileSync(join(cwd, 'cdk.json'), JSON.stringify({ secrets: { recipients: [alice.recipient] } }));
      const env = { ...remoteEnv, ...alice.env, PVECDK_GUESTS: 'off' };
      const deploy = await runCliAsync(['deploy', acme, '--yes'], cwd, env);
      expect(deploy.code, deploy.stderr).toBe(0);
      const store = teamStore(cwd, alice, 'default', join(cwd, '.pvecdk'));
      expect(store.names.length).toBeGreaterThan(0);
      expect(existsSync(join(cwd, '.pvecdk/secrets/default.json'))).toBe(false);
      const file = readFileSync(join(cwd, 'pvecdk.secrets.json'), 'utf8');
      for (const name of store.names) {
        const value = store.stored(name)!;
        expect(file).not.toContain(value);
        expect(deploy.stdout + deploy.stderr).not.toContain(value);
      }
      const again = await runCliAsync(['deploy', acme, '--yes'], cwd, env);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(join(cwd, 'pvecdk.secrets.json'), 'utf8')).toBe(file);
    });
  });
});
