import { createHash } from 'node:crypto';
import { powerShellDialect } from '../../ssh/dialects.ts';
import { EngineError } from '../engine-errors.ts';

/**
 * The PowerShell the RDS handlers write themselves (the converge scripts are
 * the plan's): reading an account or a shortcut back as one JSON line, and
 * retiring them. Same shape as the plan's scripts (lib/render): a kind line,
 * then every value in one JSON literal `$p`, then fixed text.
 */

/** The Windows Firewall group every per-user fence rule belongs to (as lib/render's RDS_RULE_GROUP). */
const RDS_RULE_GROUP = 'pvecdk rds users';
const WINDOWS_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;
const WINDOWS_PATH = /^[A-Za-z]:\\[^<>"|?*\r\n]*$/;
const PREAMBLE = ["$ErrorActionPreference = 'Stop'", 'Set-StrictMode -Version 3.0', '$changed = $false'];
const EPILOGUE = ["if ($changed) { Write-Output 'pvecdk:changed' } else { Write-Output 'pvecdk:unchanged' }"];

function params(kind: string, values: Readonly<Record<string, unknown>>): string[] {
  return [`# pvecdk ${kind}`, `$p = ${powerShellDialect.quote(JSON.stringify(values))} | ConvertFrom-Json`];
}

function check(field: string, value: string, pattern: RegExp): void {
  if (!pattern.test(value))
    throw new EngineError(
      'ENGINE_INTERNAL',
      `${field}: ${JSON.stringify(value)} cannot be used in a Windows guest script`,
      'this is a bug in pvecdk: the plan contract should have refused it',
    );
}

/** SHA-256 (upper-case hex, as Get-FileHash prints it) of a `.4DLink`'s bytes: UTF-8, no BOM, as the plan's script writes them. */
export function linkContentSha256(content: string): string {
  return createHash('sha256').update(Buffer.from(content, 'utf8')).digest('hex').toUpperCase();
}

/** The `.lnk` arguments the plan's script writes: the link file's path, quoted. */
export function shortcutArguments(linkPath: string): string {
  return `"${linkPath}"`;
}

export interface RdsUserReadScriptInput {
  readonly userName: string;
  /** The groups whose membership is reported. */
  readonly groups: readonly string[];
}

/**
 * Reads the account as one JSON line: `{"exists":false}`, or its SID, full
 * name, enabled flag, which of `groups` it is in, and its fence rules. Changes nothing.
 */
export function renderRdsUserReadScript(input: RdsUserReadScriptInput): string {
  check('userName', input.userName, WINDOWS_USER);
  return [
    ...params('rds-user: read', { user: input.userName, groups: input.groups, ruleGroup: RDS_RULE_GROUP }),
    "$ErrorActionPreference = 'Stop'",
    'Set-StrictMode -Version 3.0',
    '$user = Get-LocalUser -Name $p.user -ErrorAction SilentlyContinue',
    '$out = [ordered]@{ exists = $false }',
    'if ($null -ne $user) {',
    '  $groups = @()',
    '  foreach ($g in @($p.groups)) {',
    '    $group = Get-LocalGroup -Name $g -ErrorAction SilentlyContinue',
    '    if ($null -eq $group) { continue }',
    '    if (@(Get-LocalGroupMember -Group $g | Where-Object { $_.SID -eq $user.SID }).Count -gt 0) { $groups += $g }',
    '  }',
    '  $rules = @()',
    "  foreach ($r in @(Get-NetFirewallRule -Group $p.ruleGroup -ErrorAction SilentlyContinue | Where-Object { ($_.Name -split '/')[1] -eq $p.user })) {",
    '    $ports = $r | Get-NetFirewallPortFilter',
    '    $addrs = $r | Get-NetFirewallAddressFilter',
    '    $sec = $r | Get-NetFirewallSecurityFilter',
    "    $rules += [ordered]@{ name = $r.Name; action = [string]$r.Action; direction = [string]$r.Direction; enabled = ([string]$r.Enabled -eq 'True'); protocol = [string]$ports.Protocol; ports = (@($ports.RemotePort) -join ','); addresses = @($addrs.RemoteAddress); localUser = [string]$sec.LocalUser }",
    '  }',
    '  $out = [ordered]@{ exists = $true; sid = $user.SID.Value; fullName = [string]$user.FullName; enabled = [bool]$user.Enabled; groups = $groups; rules = $rules }',
    '}',
    '$out | ConvertTo-Json -Compress -Depth 5',
  ].join('\n');
}

export interface RdsUserRetireScriptInput {
  readonly userName: string;
  /** Folders pvecdk made for the user (shortcuts, links): removed. */
  readonly folders: readonly string[];
  /** Also delete the account and its profile folder (the user's data). */
  readonly deleteAccount: boolean;
}

/**
 * What removing a user from the stack does: the account is disabled, its
 * fence rules and pvecdk's folders for it removed; its profile (the user's
 * files) is deleted, with the account, only when `deleteAccount`.
 */
export function renderRdsUserRetireScript(input: RdsUserRetireScriptInput): string {
  check('userName', input.userName, WINDOWS_USER);
  for (const f of input.folders) check('folders', f, WINDOWS_PATH);
  return [
    ...params('rds-user: retire', {
      user: input.userName,
      ruleGroup: RDS_RULE_GROUP,
      folders: input.folders,
      deleteAccount: input.deleteAccount,
    }),
    ...PREAMBLE,
    '$user = Get-LocalUser -Name $p.user -ErrorAction SilentlyContinue',
    'if ($null -ne $user -and $user.Enabled) {',
    '  Disable-LocalUser -Name $p.user',
    '  $changed = $true',
    '}',
    "foreach ($s in @(Get-NetFirewallRule -Group $p.ruleGroup -ErrorAction SilentlyContinue | Where-Object { ($_.Name -split '/')[1] -eq $p.user })) {",
    '  Remove-NetFirewallRule -Name $s.Name',
    '  $changed = $true',
    '}',
    'foreach ($f in @($p.folders)) {',
    '  if (Test-Path -LiteralPath $f) {',
    '    Remove-Item -LiteralPath $f -Recurse -Force',
    '    $changed = $true',
    '  }',
    '}',
    'if ($p.deleteAccount -and $null -ne $user) {',
    '  $sid = $user.SID.Value',
    '  $userProfile = Get-CimInstance -ClassName Win32_UserProfile | Where-Object { $_.SID -eq $sid }',
    '  if ($null -ne $userProfile) { $userProfile | Remove-CimInstance }',
    '  Remove-LocalUser -Name $p.user',
    '  $changed = $true',
    '}',
    ...EPILOGUE,
  ].join('\n');
}

/** Reads both files as one JSON line: the link's SHA-256 and the shortcut's target, arguments and description. */
export function renderRdsShortcutReadScript(input: {
  readonly userName: string;
  readonly linkPath: string;
  readonly shortcutPath: string;
}): string {
  check('userName', input.userName, WINDOWS_USER);
  check('linkPath', input.linkPath, WINDOWS_PATH);
  check('shortcutPath', input.shortcutPath, WINDOWS_PATH);
  return [
    ...params('rds-shortcut: read', { link: input.linkPath, lnk: input.shortcutPath }),
    "$ErrorActionPreference = 'Stop'",
    'Set-StrictMode -Version 3.0',
    '$out = [ordered]@{ link = $null; lnk = $null }',
    'if (Test-Path -LiteralPath $p.link) { $out.link = (Get-FileHash -LiteralPath $p.link -Algorithm SHA256).Hash }',
    'if (Test-Path -LiteralPath $p.lnk) {',
    '  $s = (New-Object -ComObject WScript.Shell).CreateShortcut($p.lnk)',
    '  $out.lnk = [ordered]@{ target = [string]$s.TargetPath; arguments = [string]$s.Arguments; description = [string]$s.Description }',
    '}',
    '$out | ConvertTo-Json -Compress -Depth 3',
  ].join('\n');
}

/** Removes both files (the folders stay: the user's other shortcuts live there). */
export function renderRdsShortcutRemoveScript(input: {
  readonly userName: string;
  readonly linkPath: string;
  readonly shortcutPath: string;
}): string {
  check('userName', input.userName, WINDOWS_USER);
  check('linkPath', input.linkPath, WINDOWS_PATH);
  check('shortcutPath', input.shortcutPath, WINDOWS_PATH);
  return [
    ...params('rds-shortcut: remove', { link: input.linkPath, lnk: input.shortcutPath }),
    ...PREAMBLE,
    'foreach ($f in @($p.lnk, $p.link)) {',
    '  if (Test-Path -LiteralPath $f) {',
    '    Remove-Item -LiteralPath $f -Force',
    '    $changed = $true',
    '  }',
    '}',
    ...EPILOGUE,
  ].join('\n');
}
