import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `pvecdk` bin in a child process, as a user would. The
 * embedded emulator a command starts outlives it: here it exits after a few
 * idle seconds, so no test leaves one behind for long.
 */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): CliRun {
  const result = spawnSync(process.execPath, [`${ROOT}bin/pvecdk.mjs`, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, PVECDK_SIM_IDLE_SECONDS: '5', ...options.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
