import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePowerShell } from '../../lib/render/powershell.ts';
import {
  connect,
  dialectFor,
  isSshError,
  PowerShellDialect,
  powerShellDialect,
  ShDialect,
  type SshError,
  type SshSession,
  shDialect,
} from '../../lib/ssh/index.ts';
import { type Sshd, skipWithoutSshd, startSshd, targetFor } from './sshd-fixture.ts';

async function caught(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (e) {
    if (isSshError(e)) return e;
    throw e;
  }
  throw new Error('expected an SshError');
}

const sentinelDir = mkdtempSync(join(tmpdir(), 'pvecdk-dialect-'));
const sentinel = join(sentinelDir, 'pwned');
afterAll(() => rmSync(sentinelDir, { recursive: true, force: true }));
/** An empty home, so that no shell finds a profile or rc file of the user running the tests. */
const emptyHome = mkdtempSync(join(tmpdir(), 'pvecdk-dialect-home-'));
afterAll(() => rmSync(emptyHome, { recursive: true, force: true }));

/**
 * Runs `shell -c command` as sshd would, without the user's rc files: bash sources
 * ~/.bashrc for `-c` when stdin is a socket (Node's default pipes are) and SHLVL is
 * unset or 0, and a slow ~/.bashrc (pyenv, nvm) then costs a second per process.
 * Hence stdin from /dev/null, a minimal environment and an empty HOME (tcsh and zsh
 * read ~/.tcshrc, ~/.zshenv for every shell).
 */
function runShell(
  shell: string,
  command: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-c', command], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: emptyHome, SHLVL: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.once('error', reject);
    child.once('close', (status) =>
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** Strings that would break naive quoting, or run code, in sh, tcsh or printf. */
const HOSTILE = [
  `$(touch ${sentinel})`,
  `\`touch ${sentinel}\``,
  "it's",
  `"double" and 'single' and ''`,
  `'; touch ${sentinel}; echo '`,
  'line one\nline two\n\n',
  '\n',
  'trailing spaces   ',
  '-n',
  '%s %d %% \\n \\0101 \\',
  '!! !$ !-1 history',
  '$HOME $' + '{PATH} $1 $@ $$ $? ~root',
  '* ? [a-z] {a,b}',
  'tab\there\rcarriage',
  'é ✓ 日本 😀',
  '',
];

describe('sh dialect: command text', () => {
  it('GIVEN any script WHEN turned into a command THEN it is one single-quoted word for /bin/sh with no newline, quote, ! or %', () => {
    for (const value of HOSTILE) {
      const cmd = shDialect.command(`printf %s ${shDialect.quote(value)}`);
      expect(cmd).toMatch(/^\/bin\/sh -c 'eval "\$\(printf "[^'\n\r!%]*"\)"'$/);
    }
  });

  it.each(
    ['/bin/sh', '/bin/dash', '/bin/bash', '/usr/bin/tcsh', '/bin/csh', '/usr/bin/zsh'].filter(existsSync),
  )(
    'GIVEN %s as the login shell (sshd runs `shell -c command`) WHEN the command runs THEN /bin/sh gets the script intact',
    async (shell) => {
      // One command for all values (each NUL-terminated): the outer shell sees the same
      // characters as with one command per value, and one process per shell stays cheap under load.
      const values = [...HOSTILE, `${'x'.repeat(5000)}'\n!`];
      const script = values.map((v) => `printf %s ${shDialect.quote(v)}; printf '\\000'`).join('\n');
      const r = await runShell(shell, shDialect.command(script));
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(values);
      expect(existsSync(sentinel)).toBe(false);
    },
  );

  it('GIVEN a NUL WHEN quoted or scripted THEN it is refused (sh cannot hold one)', () => {
    expect(() => shDialect.quote('a\0b')).toThrow(/NUL/);
    expect(() => shDialect.command('echo \0')).toThrow(/NUL/);
  });

  it('GIVEN a script past the command-line limit WHEN turned into a command THEN SSH_COMMAND_TOO_LONG', () => {
    const e = (() => {
      try {
        shDialect.command(`: ${'"'.repeat(ShDialect.MAX_COMMAND_LENGTH / 4)}`);
      } catch (err) {
        return err as SshError;
      }
      throw new Error('expected a throw');
    })();
    expect(e.code).toBe('SSH_COMMAND_TOO_LONG');
  });

  it('GIVEN guests WHEN a dialect is chosen THEN pfSense, FreeBSD and Linux speak sh and Windows PowerShell', () => {
    expect(dialectFor('pfsense')).toBe(shDialect);
    expect(dialectFor('freebsd')).toBe(shDialect);
    expect(dialectFor('linux')).toBe(shDialect);
    expect(dialectFor('windows')).toBe(powerShellDialect);
  });
});

describe.skipIf(skipWithoutSshd)('sh dialect against OpenSSH', () => {
  let sshd: Sshd;
  let session: SshSession;
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connect(targetFor(sshd));
  });
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
  });

  it('GIVEN hostile strings WHEN quoted into `printf %s` and run THEN each comes back byte for byte and nothing else ran', async () => {
    const script = HOSTILE.map((v) => `printf %s ${shDialect.quote(v)}; printf '\\000'`).join('\n');
    const r = await session.exec(shDialect.command(script), { label: 'echo hostile strings' });
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(existsSync(sentinel)).toBe(false);
  });

  it('GIVEN hostile text on stdin WHEN read with readStdin THEN the variable holds it exactly, trailing newlines included', async () => {
    const text = HOSTILE.join('\n');
    const r = await session.exec(shDialect.command(`${shDialect.readStdin('data')}\nprintf %s "$data"`), {
      label: 'stdin round trip',
      stdin: text,
    });
    expect(r.stdout).toBe(text);
    expect(existsSync(sentinel)).toBe(false);
  });

  it('GIVEN set -eu WHEN a step fails or a variable is unset THEN the script stops with a non-zero code', async () => {
    const failed = await caught(
      session.exec(shDialect.command('false\necho after'), { label: 'stops on error' }),
    );
    expect(failed.code).toBe('SSH_COMMAND_FAILED');
    expect(failed.exitCode).toBe(1);
    const unset = await session.exec(shDialect.command('echo "$PVECDK_SURELY_UNSET"\necho after'), {
      label: 'stops on unset',
      allowFailure: true,
    });
    expect(unset.code).not.toBe(0);
    expect(unset.stdout).not.toContain('after');
  });

  it('GIVEN exit N in a script WHEN run THEN the exit code is N', async () => {
    const r = await session.exec(shDialect.command('echo partial\nexit 42'), {
      label: 'exit',
      allowFailure: true,
    });
    expect(r).toMatchObject({ code: 42, stdout: 'partial\n' });
  });
});

describe('PowerShell dialect: command text (no Windows here; the encoded script is decoded and read)', () => {
  const ENCODED =
    /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ([A-Za-z0-9+/]+=*)$/;
  const decode = (cmd: string) => decodePowerShell(ENCODED.exec(cmd)![1]!);

  it('GIVEN a script WHEN turned into a command THEN it runs -EncodedCommand of the wrapped script, stopping on errors', () => {
    const cmd = powerShellDialect.command("New-LocalUser -Name 'acme'");
    expect(cmd).toMatch(ENCODED);
    const script = decode(cmd);
    expect(script).toBe(powerShellDialect.wrap("New-LocalUser -Name 'acme'"));
    const lines = script.split('\n');
    expect(lines[0]).toBe("$ErrorActionPreference = 'Stop'");
    expect(lines).toContain("$ProgressPreference = 'SilentlyContinue'");
    const body = lines.indexOf("New-LocalUser -Name 'acme'");
    expect(lines[body - 1]).toBe('try {');
    expect(lines.slice(body + 1)).toEqual([
      '} catch {',
      '  [Console]::Error.WriteLine(($_ | Out-String).Trim())',
      '  exit 1',
      '}',
      'exit 0',
    ]);
  });

  it('GIVEN hostile values WHEN quoted THEN they are single-quoted PowerShell literals, survive encoding exactly, and line breaks are refused', () => {
    const values = ["it's", '$(Remove-Item C:\\ -Recurse)', '`"; calc; "', 'é ✓ ‘curly’', "'; exit 0; '"];
    const script = values.map((v) => `Write-Output ${powerShellDialect.quote(v)}`).join('\n');
    const decoded = decode(powerShellDialect.command(script));
    expect(decoded).toContain(script);
    expect(powerShellDialect.quote("it's")).toBe("'it''s'");
    expect(powerShellDialect.quote("'; exit 0; '")).toBe("'''; exit 0; '''");
    expect(() => powerShellDialect.quote('a\nb')).toThrow(/line break/);
  });

  it('GIVEN secrets for $env variables WHEN envFromStdin is used THEN the script reads them from stdin JSON before the body, never inline', () => {
    const cmd = powerShellDialect.command('Set-Password $env:PVECDK_PW', { envFromStdin: ['PVECDK_PW'] });
    const stdin = powerShellDialect.envStdin({ PVECDK_PW: 's3cr\'t"pw' });
    expect(JSON.parse(stdin)).toEqual({ PVECDK_PW: 's3cr\'t"pw' });
    const script = decode(cmd);
    expect(script).not.toContain('s3cr');
    expect(script).toContain('$pvecdkStdin = [Console]::In.ReadToEnd() | ConvertFrom-Json');
    expect(script).toContain("foreach ($pvecdkName in @('PVECDK_PW')) {");
    expect(script.indexOf('ConvertFrom-Json')).toBeLessThan(script.indexOf('Set-Password'));
    expect(() => powerShellDialect.command('x', { envFromStdin: ['BAD-NAME'] })).toThrow(/variable name/);
    expect(() => powerShellDialect.envStdin({ 'a b': 'x' })).toThrow(/variable name/);
  });

  it('GIVEN readStdin WHEN asked THEN it reads the whole stdin into the variable', () => {
    expect(powerShellDialect.readStdin('body')).toBe('$body = [Console]::In.ReadToEnd()');
  });

  it("GIVEN a script past cmd.exe's 8191 characters WHEN turned into a command THEN SSH_COMMAND_TOO_LONG, unless the guest's shell allows more", () => {
    const long = `Write-Output '${'x'.repeat(4000)}'`;
    let e: unknown;
    try {
      powerShellDialect.command(long);
    } catch (err) {
      e = err;
    }
    expect(isSshError(e, 'SSH_COMMAND_TOO_LONG')).toBe(true);
    expect(new PowerShellDialect({ maxCommandLength: 32767 }).command(long)).toMatch(ENCODED);
  });
});
