import type { DeployOptions } from '../engine/deploy.ts';
import type { LockHolder, LockMode } from '../engine/deploy-lock.ts';
import { CliError } from './errors.ts';

/** How long deploy and destroy wait for a stack another deploy holds, unless --lock-timeout says otherwise. */
export const DEFAULT_LOCK_TIMEOUT_S = 300;

/** `--lock-timeout SECONDS`: 0 refuses at once, as without a wait. */
export function lockTimeoutOf(value: unknown): number {
  const seconds = value === undefined ? DEFAULT_LOCK_TIMEOUT_S : Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400)
    throw new CliError(
      'CLI_USAGE',
      `--lock-timeout must be a whole number of seconds from 0 to 86400, got '${String(value)}'`,
    );
  return seconds;
}

function describeHolder(h: LockHolder): string {
  const what = h.mode === 'exclusive' ? 'being changed by' : 'being read by';
  return `${what} '${h.command}' (pid ${h.pid} on ${h.hostname}) since ${h.startedAt}`;
}

/** The engine's lock wait, telling the operator (on stderr) whom it waits for and for how long. */
export function lockWaitFor(seconds: number, tell: (line: string) => void): DeployOptions['lockWait'] {
  if (seconds === 0) return undefined;
  return {
    timeoutMs: seconds * 1000,
    onWait: (stack: string, mode: LockMode, holders: readonly LockHolder[]) =>
      tell(
        `waiting up to ${seconds} s for stack ${stack} (to ${mode === 'exclusive' ? 'change' : 'read'} it): ${holders
          .map(describeHolder)
          .join(', and ')}; Ctrl-C stops`,
      ),
  };
}
