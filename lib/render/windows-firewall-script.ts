import { PS_EPILOGUE, PS_PREAMBLE } from './powershell.ts';
import { psParams } from './powershell-params.ts';
import { requireIpv4, requireName } from './validate.ts';

/**
 * Windows Firewall inside a DB VM: the 4D ports open to the RDS host only
 * (defence in depth under the Proxmox VM firewall). One inbound rule, by
 * display name `pvecdk <ruleGroup>`; the check script exits 0 exactly when
 * the rule is there as wanted, so a re-run runs nothing that changes.
 */
export interface WindowsFirewallScriptInput {
  readonly ruleGroup: string;
  readonly ports: string;
  readonly allowFrom: readonly string[];
}

function params(input: WindowsFirewallScriptInput): Record<string, unknown> {
  requireName('ruleGroup', input.ruleGroup, /^[A-Za-z0-9 ._-]{1,80}$/, 'a rule group name');
  requireName(
    'ports',
    input.ports,
    /^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/,
    'ports such as 19812-19815',
  );
  for (const a of input.allowFrom) requireIpv4('allowFrom', a);
  return { name: `pvecdk ${input.ruleGroup}`, ports: input.ports, from: input.allowFrom };
}

/** Whether the rule matches, as `$same`; shared by the check and the converge. */
const COMPARE = [
  '$rule = Get-NetFirewallRule -DisplayName $p.name -ErrorAction SilentlyContinue',
  '$same = $false',
  'if ($null -ne $rule -and @($rule).Count -eq 1) {',
  "  $have = @(($rule | Get-NetFirewallAddressFilter).RemoteAddress) -join ','",
  "  $havePorts = @(($rule | Get-NetFirewallPortFilter).LocalPort) -join ','",
  "  $same = ([string]$rule.Enabled -eq 'True') -and ([string]$rule.Direction -eq 'Inbound') -and ([string]$rule.Action -eq 'Allow') -and ($have -eq (@($p.from) -join ',')) -and ($havePorts -eq $p.ports)",
  '}',
];

export function renderWindowsFirewallScript(input: WindowsFirewallScriptInput): string {
  return [
    ...psParams('db-firewall: converge', params(input)),
    ...PS_PREAMBLE,
    ...COMPARE,
    'if (-not $same) {',
    '  if ($null -ne $rule) { $rule | Remove-NetFirewallRule }',
    "  New-NetFirewallRule -DisplayName $p.name -Group pvecdk -Direction Inbound -Action Allow -Protocol TCP -LocalPort $p.ports.Split(',') -RemoteAddress @($p.from) | Out-Null",
    '  $changed = $true',
    '}',
    ...PS_EPILOGUE,
  ].join('\n');
}

/** Exits 0 when the rule is as `renderWindowsFirewallScript` makes it, 1 otherwise; changes nothing. */
export function renderWindowsFirewallCheck(input: WindowsFirewallScriptInput): string {
  return [
    ...psParams('db-firewall: check', params(input)),
    "$ErrorActionPreference = 'Stop'",
    'Set-StrictMode -Version 3.0',
    ...COMPARE,
    'if ($same) { exit 0 } else { exit 1 }',
  ].join('\n');
}
