import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { revokeUserCertificate } from '../../lib/engine/secrets/vpn-revocations.ts';
import { ROOT, runCli } from './run-cli.ts';

const acme = join(ROOT, 'stacks/acme.ts');

interface PlanFile {
  resources: Record<string, { type: string; path: string; properties: Record<string, unknown> }>;
}

/**
 * A folder where acme was synthesized and its VPN user alice recorded in
 * state as a deploy records it, with her key material in the secret store
 * (the embedded emulator's remote `default`): what `vpn profile` reads.
 */
function deployedAlice(): { cwd: string; store: SecretStore } {
  const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-vpn-profile-'));
  expect(runCli(['synth', acme], { cwd }).code).toBe(0);
  const plan = JSON.parse(readFileSync(join(cwd, 'cdk.out/acme.plan.json'), 'utf8')) as PlanFile;
  const [id, alice] = Object.entries(plan.resources).find(
    ([, r]) => r.type === 'pvecdk_vpn_user' && r.properties.user_name === 'acme.alice',
  )!;
  const stateDir = join(cwd, '.pvecdk/sim');
  mkdirSync(join(stateDir, 'state/default'), { recursive: true });
  const state = {
    version: 1,
    stack: 'acme',
    remote: 'default',
    serial: 1,
    resources: {
      [id]: {
        type: alice.type,
        path: alice.path,
        attributes: {},
        properties: alice.properties,
        dependsOn: [],
      },
    },
    outputs: {},
  };
  writeFileSync(join(stateDir, 'state/default/acme.json'), JSON.stringify(state));
  const store = new SecretStore(stateDir, 'default', cwd);
  for (const name of ['vpn/ca.crt', 'vpn/users/acme.alice.crt', 'vpn/tls-crypt.key'])
    store.resolve(`generated:${name}`);
  return { cwd, store };
}

describe('pvecdk vpn profile', { timeout: 120_000 }, () => {
  let fixture: { cwd: string; store: SecretStore };
  beforeAll(() => {
    fixture = deployedAlice();
  }, 120_000);

  it('GIVEN a deployed user WHEN the profile is written THEN it is the filled .ovpn, mode 0600, and nothing goes to stdout', () => {
    const { cwd, store } = fixture;
    const run = runCli(['vpn', 'profile', acme, 'acme.alice'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('wrote acme.alice.ovpn (mode 0600');
    const path = join(cwd, 'acme.alice.ovpn');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('{{secret:');
    expect(text).toContain(`<cert>\n${store.stored('vpn/users/acme.alice.crt')}`);
    expect(text).toContain(store.stored('vpn/users/acme.alice.key'));
    expect(text).toContain('remote vpn.example.com 1194');
  });

  it('GIVEN an existing file with a loose mode WHEN written with --out THEN it is replaced with mode 0600', () => {
    const { cwd } = fixture;
    const path = join(cwd, 'handover/alice.ovpn');
    mkdirSync(join(cwd, 'handover'));
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    const run = runCli(['vpn', 'profile', acme, 'acme.alice', '--out', 'handover/alice.ovpn'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^client\n/);
  });

  it('GIVEN --stdout WHEN run THEN the profile is printed on stdout, key included, and the message stays off stdout', () => {
    const { cwd, store } = fixture;
    const run = runCli(['vpn', 'profile', acme, 'acme.alice', '--stdout'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(store.stored('vpn/users/acme.alice.key')!.trim());
    expect(run.stdout).toMatch(/^client\n/);
    expect(run.stdout).not.toContain('wrote');
  });

  it('GIVEN a user declared but not deployed, or not declared WHEN asked THEN the errors say to deploy first, or list the users', () => {
    const { cwd } = fixture;
    const bob = runCli(['vpn', 'profile', acme, 'acme.bob'], { cwd });
    expect(bob.code).toBe(2);
    expect(bob.stderr).toContain(
      "CLI_VPN_USER_NOT_DEPLOYED: VPN user 'acme.bob' of stack acme is not deployed yet",
    );
    expect(bob.stderr).toContain(`pvecdk deploy ${acme}`);
    const nobody = runCli(['vpn', 'profile', acme, 'mallory'], { cwd });
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain("CLI_VPN_USER_UNKNOWN: no VPN user 'mallory'");
    expect(nobody.stderr).toContain('acme.alice, acme.bob');
    expect(runCli(['vpn', 'profile', acme], { cwd }).stderr).toContain('CLI_USAGE');
    expect(runCli(['vpn', 'nope'], { cwd }).stderr).toContain("unknown vpn subcommand 'nope'");
  });

  it('GIVEN a revoked user WHEN the profile is asked for THEN it is refused: the store no longer holds the certificate', () => {
    const { cwd, store } = deployedAlice();
    revokeUserCertificate(store, 'acme.alice');
    const run = runCli(['vpn', 'profile', acme, 'acme.alice'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('holds no vpn/users/acme.alice.crt');
    expect(run.stderr).not.toContain('BEGIN');
  }, 120_000);
});
