import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

/**
 * The platform end to end on the embedded emulator with its emulated guests:
 * the VMs carry the engine's cloud-init user (pvecdk with the guest key), so
 * the router's config (pfSense) and the RDS logon script (Windows) are
 * applied over SSH, nothing is left pending, and a second deploy is
 * unchanged. (The customer stacks' RDS scripts still need PowerShell the
 * emulator lacks: ConvertFrom-Json and others, so they are not covered here.)
 */
describe('platform end to end on emulated guests', () => {
  it('GIVEN the embedded emulator with guests WHEN the platform is deployed twice THEN the guest resources are done, then nothing changes and diff --fail exits 0', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-onboarding-e2e-'));
    const env = { PVECDK_SIM_LATENCY_SCALE: '0.001', PVECDK_SIM_GUESTS: '1', PVECDK_GUEST_WAIT_S: '30' };

    const first = runCli(['deploy', join(ROOT, 'stacks/platform.ts'), '--yes'], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('+ platform/Router/Config create done');
    expect(first.stdout).toContain('+ platform/Rds/LogonScript create done');
    expect(first.stdout).toMatch(/Deployed: platform \(created \d+, .* pending 0, failed 0, skipped 0/);

    const second = runCli(['deploy', join(ROOT, 'stacks/platform.ts'), '--yes'], { cwd, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /created 0, updated 0, replaced 0, deleted 0, unchanged \d+, pending 0, failed 0, skipped 0/,
    );

    const diff = runCli(['diff', join(ROOT, 'stacks/platform.ts'), '--fail'], { cwd, env });
    expect(diff.code).toBe(0);
  }, 120_000);
});
