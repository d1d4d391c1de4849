import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const env = { PVECDK_SIM_LATENCY_SCALE: '0.001' };
/** The Proxmox half only: no guest is reached, so guest resources are pending (their one-line form). */
const proxmoxHalf = { ...env, PVECDK_GUESTS: 'off' };
const acme = join(ROOT, 'stacks/acme.ts');
const bigger = join(ROOT, 'test/cli/fixtures/acme-bigger.ts');

/** The diff text without the emulator banner (its port and folder change every run). */
const withoutBanner = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !/^[┌│└]/.test(l))
    .join('\n');

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface JsonResource {
  readonly path: string;
  readonly action: string;
  readonly listsProperties?: boolean;
  readonly changes: ReadonlyArray<Record<string, unknown>>;
}

describe('pvecdk diff shows what a reviewer needs', () => {
  it('GIVEN a fresh emulator and PVECDK_GUESTS=off WHEN acme is diffed THEN every created resource lists every property by its stack-file name with the Proxmox key beside, pending guest resources in one line each, secrets masked', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-diff-'));
    const run = runCli(['diff', acme], { cwd, env: proxmoxHalf });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const text = withoutBanner(run.stdout);
    const vm = text.slice(text.indexOf('+ acme/acme-main/Guest/Vm'));
    for (const line of [
      'cpu.cores (Proxmox: cores): 4',
      'memory.dedicated (Proxmox: memory): 8192',
      'disk[0].size (Proxmox: scsi1): 100',
      'networkDevice[0].bridge (Proxmox: net0): "vmbr1"',
      'onBoot (Proxmox: onboot): true',
      'poolId (Proxmox: pool): (known after apply: acme:PoolF1302427.pool_id)',
    ])
      expect(vm).toContain(`\n      ${line}\n`);
    expect(text).toContain(
      '+ acme/Pool [proxmox_virtual_environment_pool] create\n      comment: "pvecdk: customer acme"',
    );
    expect(text).toContain('      schedule: "*-*-* 02:30"\n');
    expect(text).toContain('… acme/acme.alice/RdsUser [pvecdk_rds_user] pending');
    // Waiting for its guest handler, with nothing recorded to compare: one line in text (--json lists it).
    expect(text).toMatch(/pvecdk_rds_user\] pending .*\n {6}\(\d+ planned properties; --json lists them\)\n/);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    expect(text.trim().split('\n').at(-1)).toBe('18 resources would change');
    // The guest key is generated per run: its public half is shown (public keys are not secret), not snapshotted.
    expect(text).toMatch(
      /initialization\.userAccount\.keys \(Proxmox: sshkeys\): \["ssh-ed25519 [A-Za-z0-9+/]+=*"\]/,
    );
    const stable = text.replace(/ssh-ed25519 [A-Za-z0-9+/]+=*/g, 'ssh-ed25519 <generated guest key>');
    await expect(stable).toMatchFileSnapshot('./__snapshots__/diff-acme-fresh.txt');
  }, 90_000);

  it('GIVEN a fresh emulator WHEN acme is diffed with --json THEN a create’s changes are every plan property from nothing, named by plan path with the Proxmox key, secrets as references', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-diff-'));
    const run = runCli(['diff', acme, '--json'], { cwd, env });
    expect(run.code).toBe(0);
    const diff = jsonLines(run.stdout).find((l) => l.type === 'diff')!;
    const resources = diff.resources as JsonResource[];
    const vm = resources.find((r) => r.path === 'acme/acme-main/Guest/Vm')!;
    expect(vm).toMatchObject({ action: 'create', listsProperties: true });
    expect(vm.changes).toContainEqual({ key: 'cpu.cores', api: 'cores', to: 4, forcesReplacement: false });
    expect(vm.changes.every((c) => !('from' in c))).toBe(true);
    const pool = resources.find((r) => r.path === 'acme/Pool')!;
    expect(pool.changes).toContainEqual({
      key: 'comment',
      to: 'pvecdk: customer acme',
      forcesReplacement: false,
    });
    // The embedded emulator's guests are reached: a guest resource on a VM still to create is a create too.
    const user = resources.find((r) => r.path === 'acme/acme.alice/RdsUser')!;
    expect(user).toMatchObject({ action: 'create', listsProperties: true });
    expect(user.changes).toContainEqual({
      key: 'password',
      to: { secret: 'generated:rds/users/acme.alice' },
      forcesReplacement: false,
    });
  }, 90_000);

  it('GIVEN acme deployed WHEN a stack file with more cores is diffed THEN one in-place update named cpu.cores beside Proxmox’s cores, and "1 resource would change"', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-diff-'));
    expect(runCli(['deploy', acme], { cwd, env }).code).toBe(0);
    const run = runCli(['diff', bigger, '--takeover'], { cwd, env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '  ~ acme/acme-main/Guest/Vm [proxmox_virtual_environment_vm] update\n      cpu.cores (Proxmox: cores): 4 → 8\n',
    );
    expect(run.stdout.trim().split('\n').at(-1)).toBe('1 resource would change');
    const json = jsonLines(runCli(['diff', bigger, '--takeover', '--json'], { cwd, env }).stdout);
    const vm = (json.find((l) => l.type === 'diff')!.resources as JsonResource[]).find(
      (r) => r.path === 'acme/acme-main/Guest/Vm',
    )!;
    expect(vm.changes).toEqual([
      { key: 'cpu.cores', api: 'cores', from: 4, to: 8, forcesReplacement: false },
    ]);
  }, 120_000);
});
