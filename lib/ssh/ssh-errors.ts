import { defineErrorFamily } from '../core/error-family.ts';

/**
 * Errors talking to a guest over SSH. Codes are stable; messages name the target
 * (`user@host:port`, and the jump host) and the command's label, never a command
 * line, a key, a password or anything sent on stdin.
 */
export const SSH_ERROR_CODES = {
  SSH_TARGET_INVALID: 'a connection target does not match the target schema; the failing fields are named',
  SSH_CONNECT:
    'the guest could not be reached (refused, unreachable, no handshake in time), also after every retry',
  SSH_HOST_KEY:
    "the guest's host key does not match the pinned fingerprint, or trust on first use declined it; nothing was sent",
  SSH_AUTH: 'the guest refused every authentication method offered, or the private key cannot be read',
  SSH_COMMAND_FAILED:
    'a command exited non-zero or was killed; its label, exit code and the last lines of stderr are attached',
  SSH_INVALID_COMMAND:
    "a value, script or variable name cannot be written in the guest's shell (a NUL character, a bad variable name)",
  SSH_COMMAND_TOO_LONG: 'a script is too long for a guest command line; pass data on stdin or upload it',
  SSH_TIMEOUT: 'a command did not finish in time and was stopped',
  SSH_OUTPUT_LIMIT: 'a command wrote more output than allowed and was stopped',
  SSH_DISCONNECTED:
    'the connection dropped while a command or transfer ran; whether the command completed is unknown',
  SSH_TRANSFER: 'an SFTP upload or download failed; an upload leaves the previous file as it was',
} as const;

export type SshErrorCode = keyof typeof SSH_ERROR_CODES;

export interface SshErrorDetails {
  /** `user@host:port` (with ` via user@jump:port`). */
  readonly target?: string;
  /** The command's label (what it does), never the command line. */
  readonly label?: string;
  readonly exitCode?: number | null;
  readonly signal?: string;
  /** Last lines of the command's stderr, with known secrets masked. */
  readonly stderrTail?: readonly string[];
  readonly hint?: string;
  readonly cause?: unknown;
}

export class SshError extends defineErrorFamily('SSH', SSH_ERROR_CODES, {
  whileRunning: [
    'SSH_CONNECT',
    'SSH_COMMAND_FAILED',
    'SSH_TIMEOUT',
    'SSH_OUTPUT_LIMIT',
    'SSH_DISCONNECTED',
    'SSH_TRANSFER',
  ],
}) {
  readonly target: string | undefined;
  readonly label: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: readonly string[];

  constructor(code: SshErrorCode, message: string, details: SshErrorDetails = {}) {
    const where = details.target ? `ssh ${details.target}: ` : '';
    const what = details.label ? `${details.label}: ` : '';
    const tail = details.stderrTail?.length
      ? `\n  stderr (last lines):\n${details.stderrTail.map((l) => `    ${l}`).join('\n')}`
      : '';
    super(
      code,
      `${where}${what}${message}${tail}`,
      details.hint,
      details.cause !== undefined ? { cause: details.cause } : undefined,
    );
    this.target = details.target;
    this.label = details.label;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail ?? [];
  }
}

export function isSshError(e: unknown, code?: SshErrorCode): e is SshError {
  return e instanceof SshError && (code === undefined || e.code === code);
}

const TAIL_LINES = 12;
const TAIL_LINE_CHARS = 300;

/**
 * The last lines of a command's output for an error message: every occurrence of
 * a secret (and of each line of a multi-line secret) is replaced by `***`, long
 * lines are cut.
 */
export function outputTail(output: string, secrets: readonly string[] = []): string[] {
  const trimmed = output.trimEnd();
  if (trimmed === '') return [];
  // Cut whole lines first (cheap on large output); a one-line secret then lies inside a
  // kept line, and a multi-line secret is also masked line by line.
  const lastLines = trimmed.split(/\r?\n/).slice(-TAIL_LINES).join('\n');
  return maskSecrets(lastLines, secrets)
    .split('\n')
    .map((l) => (l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)}…` : l));
}

/**
 * Replaces secrets with `***`: each whole secret, and each line of a multi-line one
 * (lines shorter than 4 characters are left, or every `}` would go).
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const pieces = new Set<string>();
  for (const s of secrets) {
    if (s.trim() !== '') pieces.add(s.trim());
    for (const line of s.split(/\r?\n/)) if (line.trim().length >= 4) pieces.add(line.trim());
  }
  let out = text;
  for (const piece of [...pieces].sort((a, b) => b.length - a.length)) out = out.split(piece).join('***');
  return out;
}
