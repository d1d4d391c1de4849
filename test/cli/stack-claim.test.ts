import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

describe('a copied stack file that kept the stack name', () => {
  it('GIVEN acme deployed from stacks/acme.ts WHEN a copy declaring acme deploys THEN it is refused naming both files, nothing changes, and --takeover moves it on purpose', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-claim-'));
    const env = { PVECDK_SIM_LATENCY_SCALE: '0.001' };
    expect(runCli(['deploy', join(ROOT, 'stacks/acme.ts')], { cwd, env }).code).toBe(0);

    const copy = join(ROOT, 'test/cli/fixtures/acme-copy.ts');
    const refused = runCli(['deploy', copy, '--allow-destroy-data', '--yes'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /error ENGINE_STACK_CLAIMED: .*test\/cli\/fixtures\/acme-copy\.ts declares stack acme, which .*stacks\/acme\.ts deployed/,
    );
    expect(refused.stderr).toContain('--takeover');
    // acme is as stacks/acme.ts left it.
    expect(runCli(['diff', join(ROOT, 'stacks/acme.ts'), '--fail'], { cwd, env }).code).toBe(0);

    const moved = runCli(['deploy', copy, '--allow-destroy-data', '--yes', '--takeover'], { cwd, env });
    expect(moved.code).toBe(0);
    expect(moved.stderr).toMatch(
      /warning: stack acme moves from .*stacks\/acme\.ts to .*acme-copy\.ts \(--takeover\)/,
    );
    // Now the original file is the stranger.
    expect(runCli(['diff', join(ROOT, 'stacks/acme.ts')], { cwd, env }).code).toBe(2);
  }, 120_000);
});
