import { powerShellDialect } from '../../ssh/dialects.ts';
import type { ExecResult } from '../../ssh/exec-command.ts';
import type { GuestSession } from './guest-transport.ts';

/**
 * Runs a PowerShell script sent on stdin rather than on the command line: the
 * command line is a short fixed loader (well under cmd.exe's 8191 characters,
 * whatever the script's length), stdin one JSON object with the script and
 * the environment variables it reads (the initial password). The script text
 * is run as it is, dot-sourced, so `exit N` and errors behave as on the
 * command line.
 */
export const STDIN_LOADER = [
  '$pvecdkIn = [Console]::In.ReadToEnd() | ConvertFrom-Json',
  'foreach ($pvecdkVar in @($pvecdkIn.env.PSObject.Properties)) {',
  '  Set-Item -Path "Env:$($pvecdkVar.Name)" -Value ([string]$pvecdkVar.Value)',
  '}',
  '$pvecdkBlock = [ScriptBlock]::Create([string]$pvecdkIn.script)',
  "Remove-Variable -Name @('pvecdkIn', 'pvecdkVar') -ErrorAction SilentlyContinue",
  '. $pvecdkBlock',
].join('\n');

export interface StdinScriptOptions {
  /** What the script does, for errors. */
  readonly label: string;
  /** Environment variables for the script; their values are secrets (masked in errors). */
  readonly env?: Readonly<Record<string, string>>;
  readonly allowFailure?: boolean;
}

/** The stdin the loader reads. */
export function stdinPayload(script: string, env: Readonly<Record<string, string>> = {}): string {
  return JSON.stringify({ script, env });
}

export function runPowerShellViaStdin(
  session: GuestSession,
  script: string,
  options: StdinScriptOptions,
): Promise<ExecResult> {
  const env = options.env ?? {};
  return session.exec(powerShellDialect.command(STDIN_LOADER), {
    label: options.label,
    stdin: stdinPayload(script, env),
    secrets: Object.values(env),
    ...(options.allowFailure ? { allowFailure: true } : {}),
  });
}
