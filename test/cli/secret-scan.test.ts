import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { ROOT, runCli } from './run-cli.ts';

const FIXTURE = join(ROOT, 'test/cli/fixtures/secret-scan/acme-with-ops.ts');

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : e.isFile() ? [path] : [];
  });
}

/**
 * The files whose purpose is to hold secrets, each only readable by its
 * owner: the secret store, the emulator's token.cfg and its root token file.
 * Everything else a run leaves must not hold one.
 */
const SECRET_HOLDERS = [/\/secrets\/[^/]+\.json$/, /\/priv\/token\.cfg$/, /\/root-token\.secret$/];

/**
 * What to search for a secret by: the value, and each line of a multi-line
 * value (a PEM or OpenSSH key body), which is what would leak if the value
 * were printed escaped or in part. Lines too short to be telling are left out.
 */
function needles(value: string, boilerplate: string): string[] {
  const lines = value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----') && !boilerplate.includes(l));
  return [...new Set([value, ...lines])];
}

/**
 * Lines every key of a kind shares (an OpenSSH key's first body line is its
 * format header, the same in the emulated guests' own host keys): found in a
 * key of the same kind made for nothing else, they tell nothing.
 */
function boilerplateOf(name: string): string {
  if (!name.startsWith('ssh/')) return '';
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-secret-scan-control-'));
  return new SecretStore(dir, 'control', dir).resolve('generated:ssh/control');
}

describe('secret scan: no secret in plans, state, logs or CLI output', () => {
  it('GIVEN the example stacks with generated and referenced secrets WHEN deployed to the embedded emulator, re-deployed, diffed and failed (plain, --json, --debug) THEN no secret appears anywhere but in the files meant to hold them', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-secret-scan-'));
    const envPassword = `env-${randomBytes(12).toString('hex')}`;
    const filePassword = `file-${randomBytes(12).toString('hex')}`;
    writeFileSync(join(cwd, 'ops-password.txt'), `${filePassword}\n`);
    const env = { PVECDK_SIM_LATENCY_SCALE: '0.001', PVECDK_SCAN_PASSWORD: envPassword };
    const outputs: Array<{ name: string; text: string }> = [];
    const run = (name: string, args: string[], extraEnv: Record<string, string> = env) => {
      const r = runCli(args, { cwd, env: extraEnv });
      outputs.push({ name, text: `${r.stdout}\n${r.stderr}` });
      return r;
    };

    // An error path first, on the fresh emulator: the accounts to create need a referenced secret that is unset.
    const missing = run('deploy, env secret unset', ['deploy', FIXTURE, '--yes', '--debug'], {
      ...env,
      PVECDK_SCAN_PASSWORD: '',
    });
    expect(missing.stderr).toContain('SECRET_ENV_MISSING');
    expect(missing.code).not.toBe(0);
    const first = run('deploy', ['deploy', FIXTURE, '--yes']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(run('deploy --json', ['deploy', FIXTURE, '--yes', '--json']).code).toBe(0);
    expect(run('deploy --debug', ['deploy', FIXTURE, '--yes', '--debug']).code).toBe(0);
    expect(run('diff --json --debug', ['diff', FIXTURE, '--json', '--debug']).code).toBe(0);
    expect(run('synth --debug', ['synth', FIXTURE, '--debug', '--json']).code).toBe(0);
    const failing = run('diff --fail of globex', [
      'diff',
      join(ROOT, 'stacks/globex.ts'),
      '--fail',
      '--debug',
    ]);
    expect(failing.code).toBe(1);

    // The secrets: the referenced ones, and every value the secret store generated or kept.
    const stores = filesUnder(cwd).filter((f) => /\/secrets\/[^/]+\.json$/.test(f));
    expect(stores.length).toBeGreaterThan(0);
    const secrets = new Map<string, string>([
      ['env:PVECDK_SCAN_PASSWORD', envPassword],
      ['file:ops-password.txt', filePassword],
    ]);
    for (const store of stores) {
      const held = JSON.parse(readFileSync(store, 'utf8')) as Record<string, unknown>;
      // Public halves are meant to be seen: SSH public keys in cloud-init, certificates and CRLs.
      for (const [name, value] of Object.entries(held))
        if (typeof value === 'string' && !/\.(pub|crt|crl)$/.test(name))
          secrets.set(`generated:${name}`, value);
    }
    // The guest key at least was generated: the deploy used the store.
    expect([...secrets.keys()]).toContain('generated:ssh/guest_ed25519');
    // The emulator's own API token secret is the CLI's credential for it.
    const tokenFile = filesUnder(cwd).find((f) => f.endsWith('root-token.secret'));
    if (tokenFile) secrets.set('emulator token', readFileSync(tokenFile, 'utf8').trim());

    // Where they must not be: every file the runs left but the secret holders, and every output.
    const places = [
      ...filesUnder(cwd)
        .filter((f) => !SECRET_HOLDERS.some((h) => h.test(f)) && f !== join(cwd, 'ops-password.txt'))
        .filter((f) => statSync(f).size < 50 * 1024 * 1024)
        .map((f) => ({ name: relative(cwd, f), text: readFileSync(f, 'latin1') })),
      ...outputs,
    ];
    expect(places.some((p) => p.name.startsWith('cdk.out'))).toBe(true);
    expect(places.some((p) => p.name.includes('state.json'))).toBe(true);
    expect(places.some((p) => p.name.endsWith('emulator.log'))).toBe(true);
    // The referenced passwords did reach Proxmox: the emulator keeps their salted hashes.
    const emulatorState = JSON.parse(readFileSync(join(cwd, '.pvecdk/sim/state.json'), 'utf8')) as {
      shadow?: Record<string, string>;
    };
    expect(Object.keys(emulatorState.shadow ?? {})).toEqual(
      expect.arrayContaining(['ops-env@pve', 'ops-file@pve']),
    );
    const found: string[] = [];
    for (const [secret, value] of secrets)
      for (const needle of needles(value, boilerplateOf(secret.replace(/^generated:/, ''))))
        for (const place of places) if (place.text.includes(needle)) found.push(`${secret} in ${place.name}`);
    expect([...new Set(found)]).toEqual([]);
  }, 240_000);
});
