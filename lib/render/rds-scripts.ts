import { PS_EPILOGUE, PS_PREAMBLE, psQuote } from './powershell.ts';
import { requireName } from './validate.ts';

/**
 * Idempotent PowerShell for the Windows RDS host: every change is guarded by
 * a check, so running a script twice changes nothing the second time (and
 * says `pvecdk:unchanged`).
 */

const WINDOWS_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;
const WINDOWS_PATH = /^[A-Za-z]:\\[^<>"|?*\r\n]*$/;

export interface RdsUserScriptInput {
  readonly userName: string;
  readonly fullName?: string;
  /** Local groups, e.g. `Remote Desktop Users`. */
  readonly groups: readonly string[];
  /** Environment variable that holds the password when the script runs (set by the engine, never inlined). */
  readonly passwordVariable: string;
}

export function renderRdsUserScript(input: RdsUserScriptInput): string {
  requireName(
    'userName',
    input.userName,
    WINDOWS_USER,
    'a Windows account name (at most 20 letters, digits, . _ -)',
  );
  requireName(
    'passwordVariable',
    input.passwordVariable,
    /^[A-Z_][A-Z0-9_]*$/,
    'an environment variable name',
  );
  const user = psQuote(input.userName);
  return [
    ...PS_PREAMBLE,
    `$name = ${user}`,
    `$password = ConvertTo-SecureString -String $env:${input.passwordVariable} -AsPlainText -Force`,
    `Remove-Item -Path Env:${input.passwordVariable}`,
    '$user = Get-LocalUser -Name $name -ErrorAction SilentlyContinue',
    'if ($null -eq $user) {',
    `  New-LocalUser -Name $name -Password $password -FullName ${psQuote(input.fullName ?? input.userName)} -PasswordNeverExpires -AccountNeverExpires | Out-Null`,
    '  $changed = $true',
    '} else {',
    '  Set-LocalUser -Name $name -Password $password',
    '}',
    ...input.groups.flatMap((g) => [
      `$members = @(Get-LocalGroupMember -Group ${psQuote(g)} | ForEach-Object { $_.Name.Split('\\')[-1] })`,
      'if ($members -notcontains $name) {',
      `  Add-LocalGroupMember -Group ${psQuote(g)} -Member $name`,
      '  $changed = $true',
      '}',
    ]),
    ...PS_EPILOGUE,
  ].join('\n');
}

export interface RdsShortcutScriptInput {
  readonly userName: string;
  /** Folder of this user's shortcuts, copied to their desktop at logon. */
  readonly shortcutDir: string;
  readonly shortcutName: string;
  readonly clientExe: string;
  readonly linkPath: string;
  readonly linkContent: string;
  readonly description: string;
}

/** Writes the `.4DLink` file and the user's `.lnk` shortcut that opens the client with it. */
export function renderRdsShortcutScript(input: RdsShortcutScriptInput): string {
  requireName('userName', input.userName, WINDOWS_USER, 'a Windows account name');
  for (const [field, value] of [
    ['shortcutDir', input.shortcutDir],
    ['clientExe', input.clientExe],
    ['linkPath', input.linkPath],
  ] as const) {
    requireName(field, value, WINDOWS_PATH, 'an absolute Windows path');
  }
  requireName('shortcutName', input.shortcutName, /^[A-Za-z0-9 ._()-]{1,80}$/, 'a file name without path');
  const lnk = `${input.shortcutDir}\\${input.shortcutName}.lnk`;
  return [
    ...PS_PREAMBLE,
    `$link = ${psQuote(input.linkPath)}`,
    `$content = ${psQuote(input.linkContent.replace(/\r?\n/g, '\u0001'))}.Replace([string][char]1, [Environment]::NewLine)`,
    'New-Item -ItemType Directory -Force -Path (Split-Path -Parent $link) | Out-Null',
    'if (-not (Test-Path -LiteralPath $link) -or (Get-Content -LiteralPath $link -Raw) -ne $content) {',
    '  Set-Content -LiteralPath $link -Value $content -NoNewline -Encoding UTF8',
    '  $changed = $true',
    '}',
    `$dir = ${psQuote(input.shortcutDir)}`,
    'if (-not (Test-Path -LiteralPath $dir)) {',
    '  New-Item -ItemType Directory -Force -Path $dir | Out-Null',
    `  $acl = Get-Acl -LiteralPath $dir; $acl.SetAccessRuleProtection($true, $false)`,
    `  foreach ($who in @('SYSTEM', 'Administrators', ${psQuote(input.userName)})) { $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($who, 'ReadAndExecute', 'ContainerInherit,ObjectInherit', 'None', 'Allow'))) }`,
    '  Set-Acl -LiteralPath $dir -AclObject $acl',
    '  $changed = $true',
    '}',
    `$lnk = ${psQuote(lnk)}`,
    '$shell = New-Object -ComObject WScript.Shell',
    '$want = @{ Target = ' +
      psQuote(input.clientExe) +
      "; Arguments = ('\"' + $link + '\"'); Description = " +
      psQuote(input.description) +
      ' }',
    '$exists = Test-Path -LiteralPath $lnk',
    'if ($exists) { $s = $shell.CreateShortcut($lnk) }',
    'if (-not $exists -or $s.TargetPath -ne $want.Target -or $s.Arguments -ne $want.Arguments -or $s.Description -ne $want.Description) {',
    '  $s = $shell.CreateShortcut($lnk)',
    '  $s.TargetPath = $want.Target',
    '  $s.Arguments = $want.Arguments',
    '  $s.WorkingDirectory = (Split-Path -Parent $want.Target)',
    '  $s.Description = $want.Description',
    '  $s.Save()',
    '  $changed = $true',
    '}',
    ...PS_EPILOGUE,
  ].join('\n');
}

export interface WindowsFirewallScriptInput {
  readonly ruleGroup: string;
  readonly ports: string;
  readonly allowFrom: readonly string[];
}

/** Windows Firewall inside a DB VM: the 4D ports open to the RDS host only (defence in depth under the VM firewall). */
export function renderWindowsFirewallScript(input: WindowsFirewallScriptInput): string {
  requireName(
    'ports',
    input.ports,
    /^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/,
    'ports such as 19812-19815',
  );
  const name = `pvecdk ${input.ruleGroup}`;
  return [
    ...PS_PREAMBLE,
    `$name = ${psQuote(name)}`,
    `$ports = ${psQuote(input.ports)}.Split(',')`,
    `$from = @(${input.allowFrom.map(psQuote).join(', ')})`,
    '$rule = Get-NetFirewallRule -DisplayName $name -ErrorAction SilentlyContinue',
    'if ($null -eq $rule) {',
    '  New-NetFirewallRule -DisplayName $name -Group pvecdk -Direction Inbound -Action Allow -Protocol TCP -LocalPort $ports -RemoteAddress $from | Out-Null',
    '  $changed = $true',
    '} else {',
    '  $have = @(($rule | Get-NetFirewallAddressFilter).RemoteAddress)',
    '  $havePorts = @(($rule | Get-NetFirewallPortFilter).LocalPort)',
    '  if ((Compare-Object $have $from) -or (Compare-Object $havePorts $ports)) {',
    '    Set-NetFirewallRule -DisplayName $name -LocalPort $ports -RemoteAddress $from',
    '    $changed = $true',
    '  }',
    '}',
    ...PS_EPILOGUE,
  ].join('\n');
}
