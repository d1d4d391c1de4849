import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const env = { PVECDK_SIM_LATENCY_SCALE: '0.001' };
const acme = join(ROOT, 'stacks/acme.ts');

describe('pvecdk deploy options, ls and machine output', () => {
  it('GIVEN a fresh folder WHEN ls runs before and after a deploy THEN it shows each stack not deployed, then deployed, offline', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-ls-'));
    const before = runCli(['ls', acme], { cwd, env });
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(
      /^STACK\s+REMOTE\s+STATUS\s+RESOURCES\s+DEPENDS ON\s+USED BY\s+LAST CHANGE$/m,
    );
    expect(before.stdout).toMatch(
      /^acme\s+default \(emulator\)\s+not deployed\s+0 deployed \/ 12 planned\s+platform\s+-\s+-$/m,
    );
    expect(before.stdout).toMatch(/^platform \(dependency\)\s+default \(emulator\)\s+not deployed/m);

    expect(runCli(['deploy', acme], { cwd, env }).code).toBe(0);
    const after = runCli(['ls', acme, '--json'], { cwd, env });
    const rows = JSON.parse(after.stdout).stacks as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.stack, r.target, r.status, r.deployed])).toEqual([
      ['acme', true, 'deployed', 12],
      ['platform', false, 'deployed', 15],
    ]);
  }, 90_000);

  it('GIVEN --json WHEN deploying and diffing THEN stdout is one JSON object per line: plans, resource events and a result', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-json-'));
    const run = runCli(['deploy', acme, '--json'], { cwd, env });
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === 'plan').map((l) => l.stack)).toEqual(['platform', 'acme']);
    const done = lines.filter((l) => l.type === 'resource' && l.status === 'done');
    expect(done.map((l) => l.path)).toContain('acme/acme-main/Guest/Vm');
    expect(done.every((l) => typeof l.elapsedMs === 'number')).toBe(true);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: 'result', ok: true, stacks: ['platform', 'acme'] });
    expect(result.summary).toMatchObject({ created: 24, updated: 3, failed: 0, pending: 0 });

    const diff = runCli(['diff', acme, '--json'], { cwd, env });
    expect(diff.code).toBe(0);
    const [parsed, diffResult] = diff.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; resources: Array<{ status: string }> });
    expect(parsed!.type).toBe('diff');
    expect(diffResult).toMatchObject({ type: 'result', ok: true, exitCode: 0 });
    expect(parsed!.resources.every((r) => r.status === 'unchanged' || r.status === 'pending')).toBe(true);
  }, 90_000);

  it('GIVEN another live deploy holds the stack lock WHEN deploying THEN it is refused naming the holder, and --force-unlock takes it over with a warning', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-lock-'));
    const lockDir = join(cwd, '.pvecdk', 'sim', 'state', 'default');
    mkdirSync(lockDir, { recursive: true });
    // The test runner itself: a live process on this host, as a concurrent deploy would be.
    const holder = {
      pid: process.pid,
      hostname: hostname(),
      command: 'pvecdk deploy platform',
      startedAt: '2026-11-25T10:00:00.000Z',
    };
    writeFileSync(join(lockDir, 'platform.lock'), JSON.stringify(holder));

    const listed = runCli(['ls', acme], { cwd, env });
    expect(listed.stdout).toMatch(
      /^platform \(dependency\)\s+default \(emulator\)\s+locked by pvecdk deploy platform \(pid \d+ on .+, since 2026-11-25T10:00:00.000Z\)/m,
    );

    // Waited for (a line names the holder), then refused.
    const refused = runCli(['deploy', acme, '--lock-timeout', '1'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `waiting up to 1 s for stack platform (to change it): being changed by 'pvecdk deploy platform' (pid ${process.pid} on ${hostname()}) since 2026-11-25T10:00:00.000Z; Ctrl-C stops`,
    );
    expect(refused.stderr).toContain(
      `error ENGINE_LOCKED: stack platform on default is being changed by 'pvecdk deploy platform' (pid ${process.pid} on ${hostname()}) since 2026-11-25T10:00:00.000Z, still after waiting 1 s`,
    );
    expect(refused.stderr).toContain('--force-unlock');
    expect(runCli(['deploy', acme, '--lock-timeout', 'soon'], { cwd, env }).stderr).toContain(
      "--lock-timeout must be a whole number of seconds from 0 to 86400, got 'soon'",
    );

    const forced = runCli(['deploy', acme, '--force-unlock'], { cwd, env });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(
      `warning: took over the lock of stack platform from 'pvecdk deploy platform' (pid ${process.pid}`,
    );
    expect(forced.stdout).toMatch(/Deployed: platform, acme/);

    // A deploy reading the platform (a shared holder) is shown, and does not stop a deploy that only reads it.
    const sharedDir = join(lockDir, 'platform.shared');
    mkdirSync(sharedDir, { recursive: true });
    writeFileSync(
      join(sharedDir, `${process.pid}-reader.json`),
      JSON.stringify({
        ...holder,
        command: 'pvecdk deploy stacks/globex.ts',
        mode: 'shared',
        token: 'reader',
      }),
    );
    expect(runCli(['ls', acme], { cwd, env }).stdout).toMatch(
      /^platform \(dependency\)\s+default \(emulator\)\s+deployed, read by pvecdk deploy stacks\/globex.ts \(pid/m,
    );
    const alongside = runCli(['deploy', acme, '--lock-timeout', '0'], { cwd, env });
    expect(alongside.code).toBe(0);
    expect(alongside.stderr).not.toContain('ENGINE_LOCKED');
  }, 90_000);
});
