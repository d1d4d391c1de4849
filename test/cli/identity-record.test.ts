import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-identities-'));
  const record = join(dir, 'pvecdk.identities.json');
  return { dir, record, env: { PVECDK_IDENTITIES: record } };
}

describe('pvecdk.identities.json', () => {
  it('GIVEN acme synthesized WHEN a file not importing acme declares customer 1 THEN synth is refused naming acme and its file', () => {
    // GIVEN
    const { dir, record, env } = project();
    const acme = runCli(['synth', join(ROOT, 'stacks/acme.ts')], { cwd: dir, env });
    expect(acme.code).toBe(0);
    expect(acme.stdout).toContain('updated pvecdk.identities.json (commit it):');
    const written = JSON.parse(readFileSync(record, 'utf8'));
    expect(written.platforms['platform/Cluster'].identities.customer_number.acme).toEqual({
      stack: 'acme',
      value: 1,
    });
    // WHEN
    const initech = runCli(['synth', join(ROOT, 'test/cli/fixtures/identity/initech.ts')], { cwd: dir, env });
    // THEN
    expect(initech.code).toBe(2);
    expect(initech.stderr).toMatch(
      /\[initech\] customer_number 1 is already held by acme \(stack acme, declared in [^)]*stacks\/acme\.ts\)/,
    );
    // AND the record is left as it was
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual(written);
  });

  it('GIVEN no record WHEN synthesized with --frozen THEN it is refused listing what would be added, and nothing is written', () => {
    const { dir, record, env } = project();
    const run = runCli(['synth', join(ROOT, 'stacks/acme.ts'), '--frozen'], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pvecdk.identities.json would change (--frozen)');
    expect(run.stderr).toMatch(/\+ vm_id of acme\/acme-main \(platform\/Cluster\): \d+/);
    expect(existsSync(record)).toBe(false);
    expect(existsSync(join(dir, 'cdk.out', 'acme.plan.json'))).toBe(false);
  });

  it('GIVEN a record written WHEN synthesized again with --frozen THEN nothing changes and it passes', () => {
    const { dir, record, env } = project();
    expect(runCli(['synth', join(ROOT, 'stacks/globex.ts')], { cwd: dir, env }).code).toBe(0);
    const before = readFileSync(record, 'utf8');
    const again = runCli(['synth', join(ROOT, 'stacks/acme.ts'), '--frozen'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('updated');
    // acme alone keeps globex's entries: globex's file was not loaded but exists
    expect(readFileSync(record, 'utf8')).toBe(before);
  });
});

describe('pvecdk ls identity pools', () => {
  it('GIVEN globex WHEN listed THEN the pools show how full they are and what widens them, in text and JSON', () => {
    const { dir, env } = project();
    const text = runCli(['ls', join(ROOT, 'stacks/globex.ts')], { cwd: dir, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/IDENTITY POOLS\n/);
    expect(text.stdout).toMatch(
      /tunnel addresses in 10\.8\.0\.0\/20\s+3\/4093\s+0%\s+widen: the VpnAccess tunnelNetwork/,
    );
    expect(text.stdout).toMatch(/customer numbers \(9000 VM id blocks\)\s+2\/9000/);
    const json = JSON.parse(
      runCli(['ls', join(ROOT, 'stacks/globex.ts'), '--json'], { cwd: dir, env }).stdout,
    );
    expect(json.stacks.map((s: { stack: string }) => s.stack)).toEqual(['acme', 'globex', 'platform']);
    expect(json.pools).toContainEqual(
      expect.objectContaining({ pool: 'platform VM ids 100-199', used: 2, size: 100 }),
    );
  });
});
