import { describe, expect, it } from 'vitest';
import { powershellCommand, psQuote } from '../../../lib/render/index.ts';
import {
  clixmlLines,
  createGuestImage,
  GuestFs,
  runWindowsCommand,
  windowsArgv,
} from '../../../lib/sim/index.ts';

/** The emulated Windows PowerShell 5.1 without SSH: a fresh Windows guest, the command line as sshd would pass it. */
async function ps(script: string, options: { pty?: boolean; stdin?: string } = {}) {
  const guest = createGuestImage('windows', 'win01');
  const fs = new GuestFs(guest.fs);
  return runIn(guest, fs, powershellCommand(script), options);
}

async function runIn(
  guest: ReturnType<typeof createGuestImage>,
  fs: GuestFs,
  command: string,
  options: { pty?: boolean; stdin?: string } = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await runWindowsCommand(command, {
    fs,
    windows: guest.windows!,
    userName: 'Administrator',
    sshEnv: {},
    stdin: { readAll: async () => Buffer.from(options.stdin ?? '') },
    out: { write: (c) => (stdout += c.toString()) },
    err: { write: (c) => (stderr += c.toString()) },
    pty: options.pty ?? false,
  });
  return { code, stdout, stderr, errors: clixmlLines(stderr) };
}

describe('PowerShell dialect', () => {
  it('GIVEN hostile values quoted with psQuote WHEN written back THEN they arrive unchanged', async () => {
    const values = [
      "it's",
      '$env:PATH',
      '`n`$x',
      '"double"',
      '$(Get-Date)',
      "''",
      'C:\\Users\\x',
      '; Remove-Item C:\\ -Recurse #',
      'ünïcødé ✓',
      '@{a=1}',
    ];
    const script = values.map((v) => `Write-Output ${psQuote(v)}`).join('\n');
    const r = await ps(script);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(values.map((v) => `${v}\r\n`).join(''));
  });

  it('GIVEN single-quoted strings WHEN a quote is doubled THEN the tokenizer keeps the second character, typographic quotes included', async () => {
    const r = await ps(
      "Write-Output 'a''b'\nWrite-Output 'it\u2019\u2019s'\nWrite-Output \u2018curly\u2019\nWrite-Output \"x`ty $null z\"",
    );
    expect(r.stdout).toBe("a'b\r\nit\u2019s\r\ncurly\r\nx\ty  z\r\n");
  });

  it('GIVEN cmdlet misuse WHEN bound THEN the errors are the parameter binder\u2019s', async () => {
    expect((await ps('Get-LocalUser -Nmae bob')).errors[0]).toBe(
      "Get-LocalUser : A parameter cannot be found that matches parameter name 'Nmae'.",
    );
    expect((await ps('Get-LocalUser -Name')).errors[0]).toBe(
      "Get-LocalUser : Missing an argument for parameter 'Name'. Specify a parameter of type 'System.String[]' and try again.",
    );
    expect((await ps("Set-Content -LiteralPath C:\\x.txt -Value 'a' -Encoding UTF8NoBOM")).errors[0]).toMatch(
      /^Set-Content : Cannot bind parameter 'Encoding'\. Cannot convert value "UTF8NoBOM" to type "Microsoft\.PowerShell\.Commands\.FileSystemCmdletProviderEncoding"/,
    );
    expect((await ps('New-LocalUser -Name averyveryverylongusername1 -NoPassword')).errors[0]).toMatch(
      /^New-LocalUser : Cannot validate argument on parameter 'Name'\. The character length of the 26 argument is too long/,
    );
    expect((await ps("ConvertTo-SecureString 'x' -AsPlainText")).errors[0]).toMatch(
      /^ConvertTo-SecureString : The system cannot protect plain text input\./,
    );
  });

  it('GIVEN strict mode 3.0 WHEN an unset variable or a missing property is read THEN the script stops under Stop', async () => {
    const preamble = "$ErrorActionPreference = 'Stop'\nSet-StrictMode -Version 3.0\n";
    const unset = await ps(`${preamble}Write-Output $notSet\nWrite-Output 'no'`);
    expect(unset).toMatchObject({ code: 1, stdout: '' });
    expect(unset.errors[0]).toBe("The variable '$notSet' cannot be retrieved because it has not been set.");
    const prop = await ps(`${preamble}$h = 'text'\n$h.NoSuchProperty`);
    expect(prop.errors[0]).toBe(
      "The property 'NoSuchProperty' cannot be found on this object. Verify that the property exists.",
    );
    const nullCall = await ps(`${preamble}$x = $null\n$x.Trim()`);
    expect(nullCall.errors[0]).toBe('You cannot call a method on a null-valued expression.');
  });

  it('GIVEN errors without Stop WHEN the script goes on THEN the exit code follows the last statement, and exit sets it', async () => {
    const goesOn = await ps("Get-LocalUser -Name nobody\nWrite-Output 'after'");
    expect(goesOn).toMatchObject({ code: 0, stdout: 'after\r\n' });
    expect(goesOn.errors.slice(0, 2)).toEqual([
      'Get-LocalUser : User nobody was not found.',
      'At line:1 char:1',
    ]);
    expect(goesOn.errors).toContain(
      '    + FullyQualifiedErrorId : UserNotFound,Microsoft.PowerShell.Commands.GetLocalUserCommand',
    );
    expect((await ps("Write-Output 'x'\nGet-LocalUser -Name nobody")).code).toBe(1);
    expect((await ps('exit 3')).code).toBe(3);
    expect((await ps("throw 'boom'")).errors.slice(0, 1)).toEqual(['boom']);
  });

  it('GIVEN try/catch/finally WHEN a statement fails inside THEN catch gets the ErrorRecord; a non-terminating error is not caught', async () => {
    const r = await ps(
      [
        "try { if ($true) { Get-LocalUser -Name ghost -ErrorAction Stop; Write-Output 'no' } } catch { Write-Output ('caught: ' + $_.Exception.Message) } finally { Write-Output 'finally' }",
        "try { Get-LocalUser -Name ghost } catch { Write-Output 'not caught' }",
        'try { throw \'boom\' } catch [System.Management.Automation.RuntimeException] { Write-Output "typed: $_" }',
      ].join('\n'),
    );
    expect(r.stdout).toBe('caught: User ghost was not found.\r\nfinally\r\ntyped: boom\r\n');
    expect(r.errors[0]).toBe('Get-LocalUser : User ghost was not found.');
  });

  it('GIVEN group membership WHEN added twice THEN the second add fails with MemberExists, as the LocalAccounts module does', async () => {
    const r = await ps(
      "$p = ConvertTo-SecureString 'Abc-12345!' -AsPlainText -Force\nNew-LocalUser -Name eve -Password $p | Out-Null\nAdd-LocalGroupMember -Group 'Remote Desktop Users' -Member eve\nAdd-LocalGroupMember -Group 'Remote Desktop Users' -Member eve\n(Get-LocalGroupMember -Group 'Remote Desktop Users').Name",
    );
    expect(r.errors[0]).toBe(
      'Add-LocalGroupMember : WIN01\\eve is already a member of group Remote Desktop Users.',
    );
    expect(r.stdout).toBe('WIN01\\eve\r\n');
  });

  it('GIVEN a parse error WHEN the script is run THEN nothing runs and the parser error is reported', async () => {
    const r = await ps("Write-Output 'first'\nif ($true) {\n  Write-Output 'x'\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.errors).toContain("Missing closing '}' in statement block or type definition.");
    expect(r.errors).toContain(
      '    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException',
    );
  });

  it('GIVEN a pty WHEN an error is written THEN it is plain text, not CLIXML', async () => {
    const r = await ps('Get-Nothing', { pty: true });
    expect(r.stderr.startsWith("Get-Nothing : The term 'Get-Nothing' is not recognized")).toBe(true);
  });

  it('GIVEN the first use of a module in a profile WHEN run without a terminal THEN Windows PowerShell reports its progress record once', async () => {
    const guest = createGuestImage('windows', 'win02');
    const fs = new GuestFs(guest.fs);
    const first = await runIn(guest, fs, powershellCommand('Get-LocalUser | Out-Null'));
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toContain('<AV>Preparing modules for first use.</AV>');
    const second = await runIn(guest, fs, powershellCommand('Get-LocalUser | Out-Null'));
    expect(second.stderr).toBe('');
  });

  it('GIVEN cmd.exe as the default shell WHEN an -EncodedCommand line is longer than 8191 characters THEN cmd refuses it', async () => {
    const long = await ps(`Write-Output '${'x'.repeat(3500)}'`);
    expect(long).toMatchObject({ code: 1, stdout: '', stderr: 'The command line is too long.\r\n' });
    // The script can come on stdin instead: powershell -Command - reads it there.
    const guest = createGuestImage('windows', 'win03');
    const viaStdin = await runIn(
      guest,
      new GuestFs(guest.fs),
      'powershell.exe -NoProfile -NonInteractive -Command -',
      {
        stdin: `Write-Output '${'x'.repeat(3000)}'`,
      },
    );
    expect(viaStdin).toMatchObject({ code: 0, stdout: `${'x'.repeat(3000)}\r\n` });
  });

  it('GIVEN command lines WHEN split THEN CommandLineToArgvW rules apply', () => {
    expect(windowsArgv('powershell.exe -NoProfile -Command "Write-Output \\"a b\\""')).toEqual([
      'powershell.exe',
      '-NoProfile',
      '-Command',
      'Write-Output "a b"',
    ]);
  });
});
