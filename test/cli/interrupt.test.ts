import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

/** Runs the CLI and sends SIGINT once the first action runs; resolves with the exit code and the output. */
function deployInterrupted(cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; lines: string[]; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [`${ROOT}bin/pvecdk.mjs`, 'deploy', join(ROOT, 'stacks/acme.ts'), '--json'],
      {
        cwd,
        env: { ...process.env, PVECDK_SIM_IDLE_SECONDS: '5', ...env, NO_COLOR: '1' },
      },
    );
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && /"status":"running"/.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => resolve({ code, lines: out.trim().split('\n'), stderr: err }));
  });
}

describe('Ctrl-C during a deploy', () => {
  it('GIVEN a first deploy on the embedded emulator WHEN SIGINT comes as the first action runs THEN it stops gracefully: exit 130, a result line, no lock left, and the next deploy converges', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-interrupt-'));
    const env = { PVECDK_SIM_LATENCY_SCALE: '0.05' };
    const run = await deployInterrupted(cwd, env);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('SIGINT: stopping. Nothing new starts');
    const result = JSON.parse(run.lines.at(-1)!);
    expect(result.type).toBe('result');
    expect(result.ok).toBe(false);
    const stateDir = join(cwd, '.pvecdk', 'sim', 'state', 'default');
    expect(existsSync(stateDir) ? readdirSync(stateDir).filter((n) => n.endsWith('.lock')) : []).toEqual([]);

    const resumed = runCli(['deploy', join(ROOT, 'stacks/acme.ts')], { cwd, env });
    expect(resumed.code).toBe(0);
    const again = runCli(['diff', join(ROOT, 'stacks/acme.ts'), '--fail'], { cwd, env });
    expect(again.code).toBe(0);
  }, 120_000);
});
