import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const env = { PVECDK_SIM_LATENCY_SCALE: '0.001' };
const acme = join(ROOT, 'stacks/acme.ts');
const twin = join(ROOT, 'test/cli/fixtures/acme-twin.ts');

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A loopback port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('exit codes and --json results', () => {
  it('GIVEN acme deployed WHEN a customer file giving its server acme-main’s VM id deploys THEN its VM fails as not owned: exit 2 as documented, the code printed, and --json ends with a result naming the emulator', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-exit-'));
    expect(runCli(['deploy', acme], { cwd, env }).code).toBe(0);

    const text = runCli(['deploy', twin], { cwd, env });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(
      'ENGINE_NOT_OWNED: planning failed: twin/twin-main/Guest/Vm: the live object belongs to stack acme',
    );
    expect(text.stdout).toMatch(/Deploy FAILED/);

    const json = runCli(['deploy', twin, '--json'], { cwd, env });
    expect(json.code).toBe(2);
    const lines = jsonLines(json.stdout);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({
      type: 'result',
      ok: false,
      exitCode: 2,
      remote: { name: 'default', emulator: true, url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) },
    });
    const failed = (result.resources as Array<Record<string, unknown>>).filter((r) => r.status === 'failed');
    expect(failed.map((r) => [r.path, r.errorCode])).toEqual([
      ['twin/twin-main/Guest/Vm', 'ENGINE_NOT_OWNED'],
    ]);

    // diff says the same, and exits 2 too: a failed plan is never a success.
    const diff = runCli(['diff', twin, '--json'], { cwd, env });
    expect(diff.code).toBe(2);
    expect(jsonLines(diff.stdout).at(-1)).toMatchObject({ type: 'result', ok: false, exitCode: 2 });
  }, 120_000);

  it('GIVEN --json WHEN a refusal stops the run before any write THEN stdout still ends with a result (ok false, exit 2, the error as an object) and stderr has the error', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-exit-'));
    expect(runCli(['deploy', acme], { cwd, env }).code).toBe(0);
    const run = runCli(['destroy', acme, '--json'], { cwd, env });
    expect(run.code).toBe(2);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: 'result',
      ok: false,
      exitCode: 2,
      remote: { name: 'default', emulator: true },
      error: { code: 'ENGINE_DATA_LOSS', hint: expect.stringContaining('--allow-destroy-data') },
    });
    expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 'ENGINE_DATA_LOSS' });

    // Successes name the remote as well.
    const diff = runCli(['diff', acme, '--json'], { cwd, env });
    expect(diff.code).toBe(0);
    const lines = jsonLines(diff.stdout);
    expect(lines.map((l) => l.type)).toEqual(['diff', 'result']);
    expect(lines[1]).toMatchObject({ ok: true, exitCode: 0, remote: { name: 'default', emulator: true } });
  }, 120_000);

  it('GIVEN a remote that cannot be reached WHEN deploying THEN PVE_CONNECTION exits 1 (a failure while running), and the --json result names that remote', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-exit-'));
    const url = `https://127.0.0.1:${await closedPort()}`;
    const run = runCli(['deploy', acme, '--json'], {
      cwd,
      env: {
        ...env,
        PVECDK_URL: url,
        PVECDK_TOKEN_ID: 'deploy@pve!ci',
        PVECDK_TOKEN_SECRET: 'not-a-real-secret',
      },
    });
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: 'result',
      ok: false,
      exitCode: 1,
      remote: { name: 'default', emulator: false, url },
      error: { code: 'PVE_CONNECTION' },
    });
    expect(run.stdout + run.stderr).not.toContain('not-a-real-secret');
  }, 60_000);

  it('GIVEN --json WHEN the stack file does not exist THEN the result says so with no remote, exit 2', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-exit-'));
    const run = runCli(['deploy', 'stacks/nope.ts', '--json'], { cwd, env });
    expect(run.code).toBe(2);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: 'result',
      ok: false,
      exitCode: 2,
      remote: null,
      error: { code: 'CLI_STACK_FILE_NOT_FOUND' },
    });
  }, 60_000);
});
