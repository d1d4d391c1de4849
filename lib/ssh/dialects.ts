import { powershellCommand, psQuote } from '../render/powershell.ts';
import { SshError } from './ssh-errors.ts';

/**
 * How a guest's shell is spoken: quoting values into a script, and turning a script
 * into the one command line an SSH exec request carries. Data, and secrets above
 * all, go on the command's stdin (ExecOptions.stdin), never into the script text.
 */
export interface Dialect {
  readonly name: 'sh' | 'powershell';
  /** A value as one literal word of the script. */
  quote(value: string): string;
  /** A statement that reads all of stdin, exactly, into the variable `name`. */
  readStdin(name: string): string;
  /** The exec command line that runs `script`. */
  command(script: string): string;
}

/**
 * POSIX sh (Linux, FreeBSD and pfSense). The command runs `/bin/sh` whatever the
 * user's login shell is (pfSense users may have tcsh): the script travels as octal
 * escapes of a `printf` format inside one single-quoted word, which holds no quote,
 * newline, `!` or `%` of the script, and is `eval`ed after `set -eu`.
 */
export class ShDialect implements Dialect {
  readonly name = 'sh';
  /** Linux allows 128 KiB per argument (MAX_ARG_STRLEN) and sshd passes the command as one. */
  static readonly MAX_COMMAND_LENGTH = 100_000;

  quote(value: string): string {
    // The value itself is not shown: it may be a secret.
    if (value.includes('\0'))
      throw new SshError('SSH_INVALID_COMMAND', 'a sh word cannot hold a NUL character', {
        hint: 'pass binary data on stdin or upload it as a file',
      });
    return `'${value.replace(/'/g, `'\\''`)}'`;
  }

  readStdin(name: string): string {
    const v = shellName(name);
    // The trailing x keeps trailing newlines that command substitution would strip.
    return `${v}=$(cat; printf x); ${v}=\${${v}%x}`;
  }

  command(script: string): string {
    if (script.includes('\0'))
      throw new SshError('SSH_INVALID_COMMAND', 'a sh script cannot hold a NUL character', {
        hint: 'pass binary data on stdin or upload it as a file',
      });
    const format = octalEscape(`set -eu\n${script}`);
    const cmd = `/bin/sh -c 'eval "$(printf "${format}")"'`;
    checkLength(cmd, ShDialect.MAX_COMMAND_LENGTH, 'sh');
    return cmd;
  }
}

export interface PowerShellDialectOptions {
  /**
   * Longest command line to produce. 8191 (the default) is cmd.exe's limit, for
   * guests whose OpenSSH DefaultShell is cmd; with PowerShell as DefaultShell,
   * Windows allows 32767.
   */
  readonly maxCommandLength?: number;
}

export interface PowerShellCommandOptions {
  /**
   * Environment variables read from stdin before the script runs: stdin must be
   * `envStdin({...})`. This is how secrets reach scripts that read `$env:NAME`
   * (Windows OpenSSH does not accept environment variables from the client).
   */
  readonly envFromStdin?: readonly string[];
}

/**
 * Windows PowerShell 5.1 (and pwsh), run as
 * `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64 of UTF-16LE>`
 * (lib/render's encoder), so no quoting survives to cmd or PowerShell. The script
 * runs with `$ErrorActionPreference = 'Stop'` inside try/catch: a terminating error
 * prints its text on stderr and exits 1, `exit N` in the script exits N, the end of
 * the script exits 0.
 */
export class PowerShellDialect implements Dialect {
  readonly name = 'powershell';
  readonly maxCommandLength: number;

  constructor(options: PowerShellDialectOptions = {}) {
    this.maxCommandLength = options.maxCommandLength ?? 8191;
  }

  quote(value: string): string {
    return psQuote(value);
  }

  readStdin(name: string): string {
    return `$${shellName(name)} = [Console]::In.ReadToEnd()`;
  }

  /** The full script that is encoded, for inspection; `command` wraps exactly this. */
  wrap(script: string, options: PowerShellCommandOptions = {}): string {
    const env = (options.envFromStdin ?? []).map(shellName);
    return [
      "$ErrorActionPreference = 'Stop'",
      "$ProgressPreference = 'SilentlyContinue'",
      '$PSNativeCommandUseErrorActionPreference = $true',
      'try { [Console]::OutputEncoding = [Console]::InputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }',
      ...(env.length > 0
        ? [
            '$pvecdkStdin = [Console]::In.ReadToEnd() | ConvertFrom-Json',
            `foreach ($pvecdkName in @(${env.map((n) => psQuote(n)).join(', ')})) {`,
            '  Set-Item -Path "Env:$pvecdkName" -Value ([string]$pvecdkStdin.$pvecdkName)',
            '}',
            'Remove-Variable pvecdkStdin',
          ]
        : []),
      'try {',
      script,
      '} catch {',
      '  [Console]::Error.WriteLine(($_ | Out-String).Trim())',
      '  exit 1',
      '}',
      'exit 0',
    ].join('\n');
  }

  command(script: string, options: PowerShellCommandOptions = {}): string {
    const cmd = powershellCommand(this.wrap(script, options));
    checkLength(cmd, this.maxCommandLength, 'powershell');
    return cmd;
  }

  /** The stdin for `envFromStdin`: one JSON object of variable name → value. */
  envStdin(values: Readonly<Record<string, string>>): string {
    for (const name of Object.keys(values)) shellName(name);
    return JSON.stringify(values);
  }
}

export const shDialect = new ShDialect();
export const powerShellDialect = new PowerShellDialect();

export type GuestOs = 'linux' | 'freebsd' | 'pfsense' | 'windows';

/** pfSense (FreeBSD) and Linux guests speak sh; Windows guests PowerShell. */
export function dialectFor(os: GuestOs): ShDialect | PowerShellDialect {
  return os === 'windows' ? powerShellDialect : shDialect;
}

/** Everything outside printable ASCII, and what sh, tcsh or printf would interpret, as `\ooo`. */
function octalEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out +=
      byte >= 0x20 && byte < 0x7f && !`\\"$\`'!%`.includes(ch)
        ? ch
        : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

function shellName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new SshError('SSH_INVALID_COMMAND', `not a variable name: ${JSON.stringify(name)}`, {
      hint: 'name variables with letters, digits and _, not starting with a digit',
    });
  return name;
}

function checkLength(cmd: string, max: number, dialect: string): void {
  if (cmd.length <= max) return;
  throw new SshError(
    'SSH_COMMAND_TOO_LONG',
    `the ${dialect} command would be ${cmd.length} characters, more than the ${max} a guest command line takes`,
    { hint: 'pass data on stdin, or upload the script and run the file' },
  );
}
