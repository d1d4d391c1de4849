import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY, type SoakProject } from './project.ts';

export interface CliRunResult {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** SIGKILLed on purpose, at `killAfterMs`. */
  readonly killed: boolean;
  /** SIGKILLed because it ran past the hard timeout: a hang, reported as a violation. */
  readonly timedOut: boolean;
  /** stdout and stderr as they came. */
  readonly output: string;
  readonly ms: number;
}

/** No CLI run of the soak may take longer than this (a hang is a finding, not a wait). */
export const CLI_TIMEOUT_MS = 180_000;

/**
 * The environment of every CLI run: the embedded emulator of the project (no
 * remote of any kind inherited), the Proxmox half only (PVECDK_GUESTS=off:
 * the customer stacks' RDS scripts need PowerShell the emulated Windows lacks,
 * so guest resources stay pending), no colour.
 */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PVECDK_GUESTS: 'off' };
  for (const name of Object.keys(env))
    if (/^PVECDK_(URL|TOKEN_ID|TOKEN_SECRET|FINGERPRINT|IDENTITIES|FROZEN|REMOTE)$/.test(name))
      delete env[name];
  return env;
}

let runs = 0;

/**
 * Runs the real `pvecdk` bin in the project as an operator would, SIGKILLed
 * after `killAfterMs` when given (the point a crash or an OOM kill would hit),
 * and always after CLI_TIMEOUT_MS. Its output is kept in the project's logs/.
 */
export function runSoakCli(
  project: SoakProject,
  args: readonly string[],
  killAfterMs?: number,
): Promise<CliRunResult> {
  const started = Date.now();
  runs += 1;
  const logFile = join(project.logDir, `${String(runs).padStart(4, '0')}-${args[0]}.log`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPOSITORY, 'bin', 'pvecdk.mjs'), ...args], {
      cwd: project.dir,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    let killed = false;
    let timedOut = false;
    const killer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    const guard = setTimeout(() => {
      timedOut = child.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      clearTimeout(guard);
      const result = {
        args,
        code,
        signal,
        killed: killed && signal === 'SIGKILL',
        timedOut,
        output,
        ms: Date.now() - started,
      };
      writeFileSync(
        logFile,
        `$ pvecdk ${args.join(' ')}\n${output}\n[exit ${code ?? signal}${result.killed ? ', killed by the soak' : ''} after ${result.ms} ms]\n`,
      );
      resolve(result);
    });
  });
}
