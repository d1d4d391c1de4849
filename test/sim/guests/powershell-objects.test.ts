import { describe, expect, it } from 'vitest';
import { powershellCommand } from '../../../lib/render/index.ts';
import { clixmlLines, createGuestImage, GuestFs, runWindowsCommand } from '../../../lib/sim/index.ts';

/** A fresh emulated Windows guest and a way to run scripts in it as Administrator. */
function windowsGuest() {
  const guest = createGuestImage('windows', 'win01');
  const fs = new GuestFs(guest.fs);
  const ps = async (script: string, stdin = '') => {
    let stdout = '';
    let stderr = '';
    const code = await runWindowsCommand(powershellCommand(script), {
      fs,
      windows: guest.windows!,
      userName: 'Administrator',
      sshEnv: {},
      stdin: { readAll: async () => Buffer.from(stdin) },
      out: { write: (c) => (stdout += c.toString()) },
      err: { write: (c) => (stderr += c.toString()) },
      pty: false,
    });
    return { code, stdout, errors: clixmlLines(stderr) };
  };
  return { guest, fs, ps };
}

const ps = (script: string, stdin = '') => windowsGuest().ps(script, stdin);

describe('emulated PowerShell 5.1: JSON', () => {
  it("GIVEN nested values WHEN converted with -Compress THEN JavaScriptSerializer text: key order kept, <>&' escaped, beyond depth 2 a string", async () => {
    const r = await ps(
      "$o = [ordered]@{ b = 1; a = 'x<y>&''z'; list = @('one'); empty = @(); deep = @{ l1 = @{ l2 = @{ l3 = 1 } } }; no = $null; yes = $true }\n$o | ConvertTo-Json -Compress",
    );
    expect(r.errors).toEqual([]);
    expect(r.stdout).toBe(
      '{"b":1,"a":"x\\u003cy\\u003e\\u0026\\u0027z","list":["one"],"empty":[],"deep":{"l1":{"l2":"System.Collections.Hashtable"}},"no":null,"yes":true}\r\n',
    );
  });

  it('GIVEN an object WHEN converted without -Compress THEN the 5.1 layout: four spaces, two after the colon, nested blocks indented from where they open', async () => {
    const r = await ps("[ordered]@{ a = 1; b = @(1, 2); c = [ordered]@{ d = 'e' } } | ConvertTo-Json");
    expect(r.stdout.split('\r\n')).toEqual([
      '{',
      '    "a":  1,',
      '    "b":  [',
      '              1,',
      '              2',
      '          ],',
      '    "c":  {',
      '              "d":  "e"',
      '          }',
      '}',
      '',
    ]);
  });

  it('GIVEN several objects, one, or none down the pipeline WHEN converted THEN an array, the object itself, or nothing', async () => {
    expect((await ps('1, 2 | ConvertTo-Json -Compress')).stdout).toBe('[1,2]\r\n');
    expect((await ps('@(7) | ConvertTo-Json -Compress')).stdout).toBe('7\r\n');
    expect((await ps('ConvertTo-Json -Compress -InputObject @(7)')).stdout).toBe('[7]\r\n');
    expect(await ps('@() | ConvertTo-Json')).toMatchObject({ code: 0, stdout: '' });
    expect((await ps('$x = @{ a = 1 } | ConvertTo-Json -Depth 0')).errors[0]).toMatch(
      /^ConvertTo-Json : Cannot validate argument on parameter 'Depth'\. The 0 argument is less than the minimum allowed range of 1/,
    );
  });

  it('GIVEN JSON text WHEN read THEN PSCustomObjects with properties in document order that can be set, arrays, scalars', async () => {
    const r = await ps(
      [
        '$o = \'{"z":1,"2":"two","list":[1,"a",null],"inner":{"ok":true}}\' | ConvertFrom-Json',
        '$o.GetType().FullName',
        "($o.PSObject.Properties | ForEach-Object { $_.Name }) -join ','",
        '$o.list.Count',
        '$o.inner.ok',
        '$o.z = 5; $o.z',
        '$o | ConvertTo-Json -Compress',
      ].join('\n'),
    );
    expect(r.errors).toEqual([]);
    expect(r.stdout.split('\r\n')).toEqual([
      'System.Management.Automation.PSCustomObject',
      'z,2,list,inner',
      '3',
      'True',
      '5',
      '{"z":5,"2":"two","list":[1,"a",null],"inner":{"ok":true}}',
      '',
    ]);
  });

  it('GIVEN text that is not JSON WHEN read THEN ConvertFrom-Json fails with JavaScriptSerializer’s message', async () => {
    const r = await ps("'{nope}' | ConvertFrom-Json");
    expect(r.code).toBe(1);
    expect(r.errors[0]).toBe('ConvertFrom-Json : Invalid JSON primitive: nope.');
    expect(r.errors.join('\n')).toContain(
      'FullyQualifiedErrorId : System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand',
    );
  });

  it('GIVEN JSON on stdin WHEN read from [Console]::In THEN its properties enumerate through PSObject', async () => {
    const r = await ps(
      '$in = [Console]::In.ReadToEnd() | ConvertFrom-Json\nforeach ($p in @($in.env.PSObject.Properties)) { "$($p.Name)=$($p.Value)" }',
      '{"env":{"A":"1","B":"two"}}',
    );
    expect(r.stdout).toBe('A=1\r\nB=two\r\n');
  });
});

describe('emulated PowerShell 5.1: hashtables, script blocks, session state', () => {
  it('GIVEN [ordered] WHEN used THEN an OrderedDictionary in insertion order; on anything but a hash literal it is refused', async () => {
    const r = await ps("$h = [ordered]@{ z = 1; a = 2 }\n$h.GetType().FullName\n$h.Keys -join ','");
    expect(r.stdout).toBe('System.Collections.Specialized.OrderedDictionary\r\nz,a\r\n');
    // A parse-time error in PowerShell: where first, then the message.
    expect((await ps('$x = @{}\n[ordered]$x')).errors).toContain(
      'The ordered attribute can be specified only on a hash literal node.',
    );
  });

  it('GIVEN [ScriptBlock]::Create WHEN dot-sourced THEN it runs in the caller’s scope; with & its assignments stay inside', async () => {
    const r = await ps(
      [
        '$b = [ScriptBlock]::Create(\'$inner = 42; Write-Output "ran $args"\')',
        '& $b x',
        "if ($null -eq $inner) { 'not set by &' }",
        '. $b',
        '$inner',
      ].join('\n'),
    );
    expect(r.errors).toEqual([]);
    expect(r.stdout).toBe('ran x\r\nnot set by &\r\nran \r\n42\r\n');
    const bad = await ps("[ScriptBlock]::Create('if (')");
    expect(bad.errors[0]).toMatch(/^Exception calling "Create" with "1" argument\(s\): /);
  });

  it('GIVEN a dot-sourced script that exits WHEN run THEN its output so far is written and its exit code is the process’s', async () => {
    const r = await ps(
      "$b = [ScriptBlock]::Create(\"Write-Output 'before'`nexit 3`nWrite-Output 'after'\")\n. $b",
    );
    expect(r).toMatchObject({ code: 3, stdout: 'before\r\n' });
  });

  it('GIVEN Set-Item on Env: and Remove-Variable WHEN run THEN the variable is set, an empty value removes it, and a missing variable is an error', async () => {
    const r = await ps(
      [
        "Set-Item -Path 'Env:PVECDK_X' -Value 'v1'",
        '$env:PVECDK_X',
        "Set-Item -Path 'Env:PVECDK_X' -Value ''",
        "if ($null -eq $env:PVECDK_X) { 'gone' }",
        '$a = 1; $b = 2',
        "Remove-Variable -Name @('a', 'b')",
        "if ($null -eq $a -and $null -eq $b) { 'removed' }",
        'Remove-Variable -Name nothere',
        'Remove-Variable -Name nothere -ErrorAction SilentlyContinue',
      ].join('\n'),
    );
    expect(r.stdout).toBe('v1\r\ngone\r\nremoved\r\n');
    // One error record (its lines: message, position, category, id), from the call without SilentlyContinue.
    expect(r.errors.filter((l) => l.includes('Cannot find a variable'))).toHaveLength(1);
    expect(r.errors[0]).toBe("Remove-Variable : Cannot find a variable with the name 'nothere'.");
    expect((await ps("Set-Item -Path 'C:\\x.txt' -Value 1")).errors[0]).toBe(
      'Set-Item : Provider operation stopped because the provider does not support this operation.',
    );
  });

  it('GIVEN values WHEN sorted THEN in PowerShell’s order (case-insensitive, numbers as numbers), by property, descending, unique', async () => {
    const r = await ps(
      [
        "(@('b', 'A', 'c', 'a') | Sort-Object) -join ','",
        "(@(10, 9, 100) | Sort-Object -Descending) -join ','",
        "(@('b', 'a', 'B') | Sort-Object -Unique) -join ','",
        "(@(@{ n = 2 }, @{ n = 1 }) | Sort-Object -Property { $_.n } | ForEach-Object { $_.n }) -join ','",
      ].join('\n'),
    );
    expect(r.errors).toEqual([]);
    expect(r.stdout).toBe('A,a,b,c\r\n100,10,9\r\na,b\r\n1,2\r\n');
  });
});

describe('emulated Windows: per-user firewall rules and user profiles', () => {
  it('GIVEN a rule with a local-user SDDL WHEN read back THEN the security filter gives that SDDL; without one Any; a malformed SDDL is refused', async () => {
    const r = await ps(
      [
        "New-NetFirewallRule -Name 'pvecdk-rds/u1/block' -DisplayName 'b' -Group 'g' -Direction Outbound -Action Block -Protocol TCP -RemotePort 19812-19815 -RemoteAddress '10.20.0.0-10.20.1.49' -LocalUser 'D:(A;;CC;;;S-1-5-21-1-2-3-1001)' | Out-Null",
        "New-NetFirewallRule -DisplayName 'plain' | Out-Null",
        "(Get-NetFirewallRule -Name 'pvecdk-rds/u1/block' | Get-NetFirewallSecurityFilter).LocalUser",
        "(Get-NetFirewallRule -DisplayName 'plain' | Get-NetFirewallSecurityFilter).LocalUser",
        "@(Get-NetFirewallRule -Group 'g').Count",
        "Get-NetFirewallRule -Group 'nogroup'",
      ].join('\n'),
    );
    expect(r.stdout).toBe('D:(A;;CC;;;S-1-5-21-1-2-3-1001)\r\nAny\r\n1\r\n');
    expect(r.errors[0]).toMatch(
      /^Get-NetFirewallRule : No MSFT_NetFirewallRule objects found with property 'Group' equal to 'nogroup'/,
    );
    const bad = await ps("New-NetFirewallRule -DisplayName 'x' -LocalUser 'bob'");
    expect(bad.errors[0]).toBe('New-NetFirewallRule : The security descriptor structure is invalid.');
  });

  it('GIVEN one account that logged on (profile folder) and one that never did WHEN profiles are listed and removed THEN only the first has a profile, and removing it deletes its folder', async () => {
    const { ps: run, fs } = windowsGuest();
    await run(
      [
        "$pw = ConvertTo-SecureString 'Passw0rd!x' -AsPlainText -Force",
        "New-LocalUser -Name 'u1' -Password $pw | Out-Null",
        "New-LocalUser -Name 'u2' -Password $pw | Out-Null",
      ].join('\n'),
    );
    fs.mkdir('C:\\Users\\u1\\Documents', { recursive: true });
    const list = await run(
      [
        "$sid1 = [string](Get-LocalUser -Name 'u1').SID",
        "$sid2 = [string](Get-LocalUser -Name 'u2').SID",
        '$all = @(Get-CimInstance -ClassName Win32_UserProfile)',
        '@($all | Where-Object { $_.SID -eq $sid1 }).Count',
        '@($all | Where-Object { $_.SID -eq $sid2 }).Count',
        '$all | Where-Object { $_.SID -eq $sid1 } | Remove-CimInstance',
        "Test-Path -LiteralPath 'C:\\Users\\u1'",
        'Get-CimInstance -ClassName Win32_UserProfile -Filter "SID = \'S-1-5-18\'" | Remove-CimInstance',
      ].join('\n'),
    );
    expect(list.stdout.split('\r\n').slice(0, 3)).toEqual(['1', '0', 'False']);
    expect(fs.exists('C:\\Users\\u1')).toBe(false);
    // A service profile is in use: Windows refuses to delete it.
    expect(list.errors[0]).toMatch(
      /^Remove-CimInstance : The process cannot access the file because it is being used by another process/,
    );
    const other = await run('Get-CimInstance -ClassName Win32_Process');
    expect(other.errors[0]).toMatch(/not emulated by the pvecdk guest emulator/);
  });
});
