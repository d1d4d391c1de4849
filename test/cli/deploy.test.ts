import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

describe('pvecdk deploy and diff', () => {
  it('GIVEN no remote configured WHEN deploying acme twice THEN the emulator is used, everything is created, then nothing changes', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-deploy-cli-'));
    const env = { PVECDK_SIM_LATENCY_SCALE: '0.001' };
    const first = runCli(['deploy', join(ROOT, 'stacks/acme.ts')], { cwd, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('No remote is configured: using the embedded Proxmox VE emulator');
    expect(first.stdout).toMatch(
      /Deployed: platform, acme \(created 24, updated 3, replaced 0, deleted 0, unchanged 0, pending 0, failed 0/,
    );
    // Each stack's state and the history of the plans applied to it.
    expect(readdirSync(join(cwd, '.pvecdk', 'sim', 'state', 'default')).sort()).toEqual([
      'acme.history.jsonl',
      'acme.json',
      'platform.history.jsonl',
      'platform.json',
    ]);

    const second = runCli(['deploy', join(ROOT, 'stacks/acme.ts')], { cwd, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /created 0, updated 0, replaced 0, deleted 0, unchanged 27, pending 0, failed 0/,
    );

    const diff = runCli(['diff', join(ROOT, 'stacks/globex.ts'), '--fail'], { cwd, env });
    expect(diff.stdout).toContain('+ globex/globex-main/Guest/Vm [proxmox_virtual_environment_vm] create');
    expect(diff.stdout).toContain('+ globex/globex.carol/VpnUser [pvecdk_vpn_user] create');
    expect(diff.code).toBe(1);
    expect(runCli(['diff', join(ROOT, 'stacks/acme.ts'), '--fail'], { cwd, env }).code).toBe(0);

    const refused = runCli(['destroy', join(ROOT, 'stacks/acme.ts')], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'destroying acme deletes its VMs and their disks (acme/acme-main/Guest/Vm)',
    );
    const destroyed = runCli(['destroy', join(ROOT, 'stacks/acme.ts'), '--allow-destroy-data'], { cwd, env });
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain('Destroyed: acme (deleted 12, failed 0, skipped 0');
    // The platform stays; acme is gone, so a diff wants it back.
    const after = runCli(['diff', join(ROOT, 'stacks/acme.ts')], { cwd, env });
    expect(after.stdout).toContain('+ acme/acme-main/Guest/Vm [proxmox_virtual_environment_vm] create');
    expect(after.stdout).not.toMatch(/\+ platform\//);
  }, 180_000);

  it('GIVEN a bad concurrency WHEN deploying THEN exit 2 with a usage error', () => {
    const run = runCli(['deploy', 'stacks/acme.ts', '--concurrency', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "error CLI_USAGE: --concurrency must be a whole number from 1 to 64, got '0'",
    );
  });
});
