import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const env = { PVECDK_SIM_LATENCY_SCALE: '0.001' };
const acme = join(ROOT, 'stacks/acme.ts');
const globex = join(ROOT, 'stacks/globex.ts');

describe('pvecdk destroy and ls: stacks that use each other', () => {
  it('GIVEN acme and globex deployed, carol (globex) with a shortcut to acme-main WHEN acme is destroyed THEN a warning names globex, its file, the resources and properties that use acme-main; ls showed the dependency first', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-destroy-refs-'));
    expect(runCli(['deploy', acme], { cwd, env }).code).toBe(0);

    // Declared but not deployed: globex points at nothing yet, so acme is used by no deployed stack.
    const lsBefore = JSON.parse(runCli(['ls', acme, '--json'], { cwd, env }).stdout);
    expect(lsBefore.stacks.find((s: { stack: string }) => s.stack === 'acme').usedBy).toEqual([]);

    expect(runCli(['deploy', globex], { cwd, env }).code).toBe(0);
    const ls = runCli(['ls', acme], { cwd, env });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(
      /^acme\s+default \(emulator\)\s+deployed\s+12 deployed \/ 12 planned\s+platform\s+globex\s/m,
    );
    const lsGlobex = JSON.parse(runCli(['ls', globex, '--json'], { cwd, env }).stdout);
    const globexRow = lsGlobex.stacks.find((s: { stack: string }) => s.stack === 'globex');
    expect(globexRow.dependsOn).toEqual(['acme', 'platform']);
    expect(globexRow.uses).toContainEqual({
      stack: 'acme',
      path: 'acme/acme-main',
      by: 'globex/globex.carol/Shortcut-acme-main',
      type: 'pvecdk_rds_shortcut',
      property: 'link_content',
    });

    const json = runCli(['destroy', acme, '--allow-destroy-data', '--json'], { cwd, env: { ...env } });
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const referenced = lines.filter((l) => l.type === 'referenced');
    expect(referenced).toHaveLength(1);
    expect(referenced[0]).toMatchObject({ stack: 'acme', by: 'globex' });
    expect(String(referenced[0]!.file)).toMatch(/globex\.ts$/);
    expect(referenced[0]!.uses).toEqual([
      {
        stack: 'acme',
        path: 'acme/acme-main',
        by: 'globex/globex.carol/RdsUser',
        type: 'pvecdk_rds_user',
        property: 'outbound_rules',
      },
      {
        stack: 'acme',
        path: 'acme/acme-main',
        by: 'globex/globex.carol/Shortcut-acme-main',
        type: 'pvecdk_rds_shortcut',
        property: 'link_content',
      },
    ]);
    expect(json.code).toBe(0);
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: true });
  }, 120_000);

  it('GIVEN globex deployed using acme-main WHEN acme is destroyed in plain text THEN stderr warns before the destroy goes on, and destroying globex warns about nothing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-destroy-refs-'));
    expect(runCli(['deploy', acme], { cwd, env }).code).toBe(0);
    expect(runCli(['deploy', globex], { cwd, env }).code).toBe(0);
    const run = runCli(['destroy', acme, '--allow-destroy-data'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /warning: stack globex \(\S*globex\.ts\) still uses what destroying acme deletes:/,
    );
    expect(run.stderr).toContain(
      '  globex/globex.carol/Shortcut-acme-main [pvecdk_rds_shortcut] link_content → acme/acme-main (stack acme)',
    );
    expect(run.stderr).toContain(
      '  globex/globex.carol/RdsUser [pvecdk_rds_user] outbound_rules → acme/acme-main (stack acme)',
    );
    expect(run.stdout).toContain('Destroyed: acme');

    const other = runCli(['destroy', globex, '--allow-destroy-data'], { cwd, env });
    expect(other.code).toBe(0);
    expect(other.stderr).not.toContain('still uses');
  }, 120_000);
});
