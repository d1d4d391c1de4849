import { PS_EPILOGUE, PS_PREAMBLE } from './powershell.ts';
import { psParams } from './powershell-params.ts';
import { requireName } from './validate.ts';

/**
 * PowerShell for a local account on the Windows RDS host: converge it (and
 * its per-user Windows Firewall fence), read it back as JSON, retire it.
 * Every change is guarded by a check, so a second run changes nothing and
 * says `pvecdk:unchanged`. A password is only ever set when the account is
 * created, from an environment variable the engine fills from stdin.
 */

export const WINDOWS_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;
export const WINDOWS_PATH = /^[A-Za-z]:\\[^<>"|?*\r\n]*$/;
/** The Windows Firewall group every per-user fence rule belongs to. */
export const RDS_RULE_GROUP = 'pvecdk rds users';

/**
 * One outbound Windows Firewall rule scoped to one account (its local-user
 * condition names the account's SID). Its `name` is
 * `pvecdk-rds/<user>/<what>`: the second segment tells whose rule it is.
 */
export interface RdsFenceRule {
  readonly name: string;
  readonly displayName: string;
  readonly action: 'Allow' | 'Block';
  /** TCP remote ports, e.g. `19812-19815`. */
  readonly ports: string;
  /** Remote addresses and ranges (`10.20.1.50`, `10.20.0.0-10.20.1.49`). */
  readonly addresses: readonly string[];
}

/** The rule name for `user`'s rule `what` (`allow/acme-main`, `block`). */
export function fenceRuleName(user: string, what: string): string {
  return `pvecdk-rds/${user}/${what}`;
}

export interface RdsUserScriptInput {
  readonly userName: string;
  readonly fullName?: string;
  /** Local groups, e.g. `Remote Desktop Users`. */
  readonly groups: readonly string[];
  /** Environment variable that holds the initial password when the script runs (set by the engine, never inlined). */
  readonly passwordVariable: string;
  /** The account's outbound fence; rules of this account not listed are removed. */
  readonly rules: readonly RdsFenceRule[];
}

function checkUser(userName: string): void {
  requireName(
    'userName',
    userName,
    WINDOWS_USER,
    'a Windows account name (at most 20 letters, digits, . _ -)',
  );
}

function checkRules(userName: string, rules: readonly RdsFenceRule[]): void {
  for (const r of rules) {
    requireName(
      'rules.name',
      r.name,
      new RegExp(`^pvecdk-rds/${userName.replace(/\./g, '\\.')}/[a-z0-9/.-]+$`),
      `pvecdk-rds/${userName}/...`,
    );
    requireName(
      'rules.ports',
      r.ports,
      /^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/,
      'ports such as 19812-19815',
    );
    for (const a of r.addresses)
      requireName(
        'rules.addresses',
        a,
        /^\d{1,3}(\.\d{1,3}){3}(-\d{1,3}(\.\d{1,3}){3})?$/,
        'an IPv4 address or range a-b',
      );
  }
}

/** Creates the account if missing (initial password from `$env:<passwordVariable>`), then converges name, state, groups and fence. */
export function renderRdsUserScript(input: RdsUserScriptInput): string {
  checkUser(input.userName);
  requireName(
    'passwordVariable',
    input.passwordVariable,
    /^[A-Z_][A-Z0-9_]*$/,
    'an environment variable name',
  );
  checkRules(input.userName, input.rules);
  const env = input.passwordVariable;
  return [
    ...psParams('rds-user: converge', {
      user: input.userName,
      fullName: input.fullName ?? '',
      groups: input.groups,
      ruleGroup: RDS_RULE_GROUP,
      rules: input.rules,
    }),
    ...PS_PREAMBLE,
    `$initial = $env:${env}`,
    `Remove-Item -Path Env:${env} -ErrorAction SilentlyContinue`,
    '$user = Get-LocalUser -Name $p.user -ErrorAction SilentlyContinue',
    'if ($null -eq $user) {',
    '  # Only a new account gets a password: an existing one keeps whatever its user set.',
    '  if ([string]::IsNullOrEmpty($initial)) { throw "account $($p.user) does not exist and no initial password was given" }',
    '  $secure = ConvertTo-SecureString -String $initial -AsPlainText -Force',
    '  New-LocalUser -Name $p.user -Password $secure -FullName $p.fullName -PasswordNeverExpires -AccountNeverExpires | Out-Null',
    '  $user = Get-LocalUser -Name $p.user',
    '  $changed = $true',
    '}',
    '$initial = $null',
    'if ([string]$user.FullName -ne $p.fullName) {',
    '  Set-LocalUser -Name $p.user -FullName $p.fullName',
    '  $changed = $true',
    '}',
    'if (-not $user.Enabled) {',
    '  Enable-LocalUser -Name $p.user',
    '  $changed = $true',
    '}',
    'foreach ($g in @($p.groups)) {',
    '  $member = @(Get-LocalGroupMember -Group $g | Where-Object { $_.SID -eq $user.SID })',
    '  if ($member.Count -eq 0) {',
    '    Add-LocalGroupMember -Group $g -Member $p.user',
    '    $changed = $true',
    '  }',
    '}',
    '# The fence: outbound rules whose local-user condition is this account, by SID.',
    '$sddl = "D:(A;;CC;;;$($user.SID.Value))"',
    '$want = @(@($p.rules) | ForEach-Object { $_.name })',
    'foreach ($r in @($p.rules)) {',
    '  $have = Get-NetFirewallRule -Name $r.name -ErrorAction SilentlyContinue',
    '  $same = $false',
    '  if ($null -ne $have) {',
    '    $ports = $have | Get-NetFirewallPortFilter',
    '    $addrs = $have | Get-NetFirewallAddressFilter',
    '    $sec = $have | Get-NetFirewallSecurityFilter',
    "    $same = ([string]$have.Action -eq $r.action) -and ([string]$have.Direction -eq 'Outbound') -and ([string]$have.Enabled -eq 'True') -and ([string]$ports.Protocol -eq 'TCP') -and ((@($ports.RemotePort) -join ',') -eq $r.ports) -and (((@($addrs.RemoteAddress) | Sort-Object) -join ',') -eq ((@($r.addresses) | Sort-Object) -join ',')) -and ([string]$sec.LocalUser -eq $sddl)",
    '    if (-not $same) { Remove-NetFirewallRule -Name $r.name }',
    '  }',
    '  if (-not $same) {',
    "    New-NetFirewallRule -Name $r.name -DisplayName $r.displayName -Group $p.ruleGroup -Direction Outbound -Action $r.action -Protocol TCP -RemotePort $r.ports.Split(',') -RemoteAddress @($r.addresses) -LocalUser $sddl | Out-Null",
    '    $changed = $true',
    '  }',
    '}',
    "$stale = @(Get-NetFirewallRule -Group $p.ruleGroup -ErrorAction SilentlyContinue | Where-Object { ($_.Name -split '/')[1] -eq $p.user -and $want -notcontains $_.Name })",
    'foreach ($s in $stale) {',
    '  Remove-NetFirewallRule -Name $s.Name',
    '  $changed = $true',
    '}',
    ...PS_EPILOGUE,
  ].join('\n');
}
