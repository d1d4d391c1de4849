import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callEmulator, readOwner, readTokenSecret } from '../../lib/sim/index.ts';
import { ROOT, runCli } from './run-cli.ts';

/**
 * Onboarding end to end through the real CLI on the embedded emulator and
 * its emulated guests (the pfSense router, the Windows RDS host, the DB
 * VMs): what the operator runs, and what a second run, another customer, a
 * removed user and a destroyed customer do inside the guests. The emulator
 * counts API requests by method and logs every guest command with whether
 * it changed the guest, so "a re-run changes nothing" is measured.
 */

const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-onboarding-e2e-'));
// One emulator serves the whole file (it would otherwise stop between runs and reset its counters).
const env = { PVECDK_SIM_LATENCY_SCALE: '0.001', PVECDK_GUEST_WAIT_S: '30', PVECDK_SIM_IDLE_SECONDS: '120' };
const acme = join(ROOT, 'stacks/acme.ts');
const globex = join(ROOT, 'stacks/globex.ts');

async function emulatorGet(path: string): Promise<unknown> {
  const dataDir = join(cwd, '.pvecdk', 'sim');
  const endpoint = readOwner(dataDir)?.record?.endpoint;
  if (!endpoint) throw new TypeError(`no emulator serves ${dataDir}`);
  const answer = await callEmulator(endpoint, readTokenSecret(dataDir)!, {
    method: 'GET',
    path,
    timeoutMs: 5_000,
  });
  expect(answer?.status).toBe(200);
  return (JSON.parse(answer!.body) as { data: unknown }).data;
}

interface GuestCommand {
  at: number;
  command: string;
  exitCode: number;
  changed?: boolean;
}

/** Every running guest's commands since `since`. */
async function guestCommandsSince(since: number): Promise<Array<GuestCommand & { vmid: number }>> {
  const guests = (await emulatorGet('/pvecdk-sim/guests')) as Array<{ vmid: number }>;
  const out: Array<GuestCommand & { vmid: number }> = [];
  for (const g of guests) {
    const log = (await emulatorGet(`/pvecdk-sim/guests/${g.vmid}/commands`)) as GuestCommand[];
    out.push(...log.filter((c) => c.at >= since).map((c) => ({ ...c, vmid: g.vmid })));
  }
  return out;
}

function writes(counts: Record<string, number>): number {
  return Object.entries(counts)
    .filter(([method]) => method !== 'GET')
    .reduce((n, [, c]) => n + c, 0);
}

/** A stack file in a folder of its own (ES modules) under the test's folder, importing the library and the platform. */
function stackFile(folder: string, name: string, body: readonly string[]): string {
  const dir = join(cwd, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    [
      `import { Customer } from '${join(ROOT, 'lib/index.ts')}';`,
      `import { platform } from '${join(ROOT, 'stacks/platform.ts')}';`,
      '',
      ...body,
      '',
    ].join('\n'),
  );
  return file;
}

/** A copy of stacks/acme.ts with the users given. */
function acmeCopy(users: string): string {
  return stackFile('copied', 'acme', [
    "export const acme = new Customer(platform, 'acme', {",
    '  number: 1,',
    "  servers: [{ name: 'acme-main', cores: 4, memoryMiB: 8192, dataDiskGb: 100 }],",
    `  users: [${users}],`,
    '});',
  ]);
}

const ALICE = "{ name: 'acme.alice', fullName: 'Alice Martin', vpn: true, servers: ['acme-main'] }";

function revokedNames(): string[] {
  const store = JSON.parse(
    readFileSync(join(cwd, '.pvecdk', 'sim', 'secrets', 'default.json'), 'utf8'),
  ) as Record<string, unknown>;
  const raw = store['vpn/ca.revocations'];
  if (raw === undefined) return [];
  const parsed = JSON.parse(typeof raw === 'string' ? raw : JSON.stringify(raw)) as {
    revoked: Array<{ commonName: string }>;
  };
  return parsed.revoked.map((r) => r.commonName);
}

afterAll(() => {
  runCli(['sim', '--stop'], { cwd, env });
});

describe('customer onboarding end to end on the emulated guests', () => {
  it('GIVEN a fresh folder WHEN acme is deployed THEN every resource is done inside its guest and nothing is pending', () => {
    const first = runCli(['deploy', acme, '--yes'], { cwd, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const done of [
      '+ platform/Router/Config create done',
      '+ platform/Rds/LogonScript create done',
      '+ acme/acme.alice/VpnUser create done',
      '+ acme/acme.alice/RdsUser create done',
      '+ acme/acme.bob/Shortcut-acme-main create done',
      '+ acme/acme-main/GuestFirewall create done',
    ])
      expect(first.stdout).toContain(done);
    expect(first.stdout).toMatch(/Deployed: platform, acme \(created 24, .* pending 0, failed 0, skipped 0/);
  }, 180_000);

  it('GIVEN acme deployed WHEN deployed again THEN all unchanged, no API write and no guest command that changes anything', async () => {
    const requestsBefore = (await emulatorGet('/pvecdk-sim/requests')) as Record<string, number>;
    const since = Date.now();
    const second = runCli(['deploy', acme, '--yes'], { cwd, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /created 0, updated 0, replaced 0, deleted 0, unchanged 27, pending 0, failed 0, skipped 0/,
    );
    const requestsAfter = (await emulatorGet('/pvecdk-sim/requests')) as Record<string, number>;
    expect(writes(requestsAfter) - writes(requestsBefore)).toBe(0);
    const commands = await guestCommandsSince(since);
    // The guest resources were read back (reads and checks ran) ...
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.every((c) => c.exitCode === 0)).toBe(true);
    // ... and none of them changed a guest.
    expect(commands.filter((c) => c.changed)).toEqual([]);
    const counts: Record<number, number> = {};
    for (const c of commands) counts[c.vmid] = (counts[c.vmid] ?? 0) + 1;
    const perGuest = Object.entries(counts)
      .map(([vmid, n]) => `VM ${vmid}: ${n}`)
      .join(', ');
    const gets = (requestsAfter.GET ?? 0) - (requestsBefore.GET ?? 0);
    console.info(
      `second deploy of acme: ${commands.length} guest commands (${perGuest}), 0 changing; ${gets} API GETs, 0 writes`,
    );
  }, 180_000);

  it('GIVEN acme deployed WHEN globex is deployed THEN carol gets her two shortcuts, and the guests then match the plan', () => {
    const run = runCli(['deploy', globex, '--yes'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ globex/globex.carol/RdsUser create done');
    expect(run.stdout).toContain('+ globex/globex.carol/Shortcut-globex-main create done');
    expect(run.stdout).toContain('+ globex/globex.carol/Shortcut-acme-main create done');
    expect(run.stdout).toMatch(/pending 0, failed 0/);
    // diff reads every guest resource back from its guest: nothing differs.
    expect(runCli(['diff', globex, '--fail'], { cwd, env }).code).toBe(0);
    const creds = runCli(['credentials', globex, 'globex.carol'], { cwd, env });
    expect(creds.stdout).toContain('ShowGrounds - acme-main  opens 4D server acme-main');
    expect(creds.stdout).toContain('ShowGrounds - globex-main  opens 4D server globex-main');
  }, 180_000);

  it('GIVEN a copy of acme with a user renamed and another removed WHEN diffed THEN guest changes show property by property, with no secret in the output', () => {
    const copy = acmeCopy(
      `{ name: 'acme.alice', fullName: 'Alice Martin-Dupont', vpn: true, servers: ['acme-main'] }`,
    );
    const password = runCli(['credentials', acme, 'acme.bob', '--stdout'], { cwd, env }).stdout.match(
      /initial password\s+(\S+)/,
    )?.[1];
    expect(password).toBeDefined();
    const diff = runCli(['diff', copy, '--takeover'], { cwd, env });
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('~ acme/acme.alice/RdsUser [pvecdk_rds_user] update');
    expect(diff.stdout).toContain('fullName: "Alice Martin" → "Alice Martin-Dupont"');
    expect(diff.stdout).toContain('- acme/acme.bob/RdsUser [pvecdk_rds_user] delete');
    expect(diff.stdout).not.toContain(password!);
    expect(diff.stdout).not.toMatch(/PRIVATE KEY/);
  }, 180_000);

  it('GIVEN a copy of acme without bob WHEN deployed THEN his certificate is revoked, his override and shortcut are removed and his account disabled', () => {
    expect(revokedNames()).not.toContain('acme.bob');
    const copy = acmeCopy(ALICE);
    const run = runCli(['deploy', copy, '--takeover', '--yes'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('- acme/acme.bob/VpnUser delete done');
    expect(run.stdout).toContain('- acme/acme.bob/Shortcut-acme-main delete done');
    expect(run.stdout).toContain(
      'account acme.bob disabled on VM 128 on pve1, its fence rules and shortcut folders removed',
    );
    expect(revokedNames()).toContain('acme.bob');
    // Read back from the guests: the copy (alice only) is what the guests hold.
    expect(runCli(['diff', copy, '--fail'], { cwd, env }).code).toBe(0);
    // Back to the repository's file (bob again), for the destroy below.
    const back = runCli(['deploy', acme, '--takeover', '--yes'], { cwd, env });
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('+ acme/acme.bob/VpnUser create done');
  }, 240_000);

  it('GIVEN acme and globex deployed WHEN acme is destroyed THEN acme’s guest resources are gone and globex’s carol keeps hers', () => {
    const run = runCli(['destroy', acme, '--yes', '--allow-destroy-data'], { cwd, env });
    expect(run.code).toBe(0);
    for (const gone of [
      '- acme/acme.alice/RdsUser delete done',
      '- acme/acme.bob/RdsUser delete done',
      '- acme/acme.alice/VpnUser delete done',
      '- acme/acme.bob/Shortcut-acme-main delete done',
    ])
      expect(run.stdout).toContain(gone);
    expect(run.stdout).toMatch(/Destroyed: acme \(deleted 12, failed 0/);
    expect(revokedNames()).toEqual(expect.arrayContaining(['acme.alice', 'acme.bob']));
    // globex's resources (carol's account, fence and both shortcuts) read back from the guests unchanged.
    expect(runCli(['diff', globex, '--fail'], { cwd, env }).code).toBe(0);
  }, 180_000);

  it('GIVEN acme destroyed WHEN carol’s grant to acme-main is taken out of globex and globex deployed THEN she loses only the acme shortcut and its fence rule', () => {
    const copy = stackFile('offboarded', 'globex', [
      "export const globex = new Customer(platform, 'globex', {",
      '  number: 2,',
      "  servers: [{ name: 'globex-main', highAvailability: true }],",
      "  users: [{ name: 'globex.carol', fullName: 'Carol Nguyen', vpn: true, servers: ['globex-main'] }],",
      '});',
    ]);
    const run = runCli(['deploy', copy, '--takeover', '--yes'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('- globex/globex.carol/Shortcut-acme-main delete done');
    expect(run.stdout).toContain('~ globex/globex.carol/RdsUser update done');
    expect(run.stdout).not.toContain('Shortcut-globex-main delete');
    expect(run.stdout).toMatch(/deleted 1, .*pending 0, failed 0/);
    // The guest holds what the copy declares: one shortcut, one fence allow rule.
    expect(runCli(['diff', copy, '--fail'], { cwd, env }).code).toBe(0);
    const creds = runCli(['credentials', copy, 'globex.carol'], { cwd, env });
    expect(creds.stdout).toContain('ShowGrounds - globex-main  opens 4D server globex-main');
    expect(creds.stdout).not.toContain('acme-main');
  }, 180_000);
});
