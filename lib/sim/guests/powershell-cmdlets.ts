import { cmdletContext, type WindowsSession } from './powershell-cmdlet-context.ts';
import { accountCmdlets } from './powershell-cmdlets-accounts.ts';
import { cimCmdlets } from './powershell-cmdlets-cim.ts';
import { contentCmdlets } from './powershell-cmdlets-content.ts';
import { coreCmdlets } from './powershell-cmdlets-core.ts';
import { firewallCmdlets } from './powershell-cmdlets-firewall.ts';
import { firewallFilterCmdlets } from './powershell-cmdlets-firewall-filters.ts';
import { itemCmdlets } from './powershell-cmdlets-items.ts';
import { newObjectCmdlets } from './powershell-cmdlets-new-object.ts';
import { objectCmdlets } from './powershell-cmdlets-objects.ts';
import { securityCmdlets } from './powershell-cmdlets-security.ts';
import type { CmdletDef } from './powershell-interpreter.ts';

export type { WindowsSession } from './powershell-cmdlet-context.ts';

/**
 * The cmdlets of the emulated Windows Server guest, each a faithful subset
 * of its Windows PowerShell 5.1 namesake: parameters (with prefixes,
 * aliases and positions), outputs, and the error records Windows writes
 * (UserNotFound, MemberExists, PathNotFound, ...). They change the guest's
 * state: local users and groups, files, ACLs, firewall rules.
 */

/** Cmdlets and programs that exist on Windows Server but are not emulated: they fail saying so, not "not recognized". */
export const NOT_EMULATED = new Set(
  [
    'Get-Service',
    'Start-Service',
    'Stop-Service',
    'Restart-Service',
    'Set-Service',
    'Get-Process',
    'Stop-Process',
    'Start-Process',
    'Get-WmiObject',
    'Invoke-WebRequest',
    'Invoke-RestMethod',
    'Invoke-Expression',
    'Invoke-Command',
    'Get-ItemProperty',
    'Set-ItemProperty',
    'New-ItemProperty',
    'Remove-ItemProperty',
    'Get-NetIPAddress',
    'New-NetIPAddress',
    'Get-NetAdapter',
    'Install-WindowsFeature',
    'Get-WindowsFeature',
    'Add-WindowsCapability',
    'Get-WindowsCapability',
    'Restart-Computer',
    'Stop-Computer',
    'Rename-Computer',
    'Select-String',
    'Select-Object',
    'Measure-Object',
    'Group-Object',
    'Export-Csv',
    'Import-Csv',
    'Get-Date',
    'Get-Member',
    'Get-Command',
    'Test-Connection',
    'Test-NetConnection',
    'Expand-Archive',
    'Compress-Archive',
    'Rename-Item',
    'Rename-LocalUser',
    'New-LocalGroup',
    'Remove-LocalGroup',
    'Get-Location',
    'Set-Location',
    'Push-Location',
    'Pop-Location',
    'Get-Variable',
    'Set-Variable',
    'Clear-Content',
    'Format-Table',
    'Format-List',
    'Get-ScheduledTask',
    'Register-ScheduledTask',
    'Unregister-ScheduledTask',
    'New-PSDrive',
    'Import-Module',
    'Get-Module',
    'Get-Credential',
    'Read-Host',
    'icacls',
    'net',
    'net1',
    'sc',
    'netsh',
    'reg',
    'schtasks',
    'cmd',
    'msiexec',
    'ipconfig',
    'certutil',
  ].map((n) => n.toLowerCase()),
);

/** Every emulated cmdlet, by lower-case name. */
export function windowsCmdlets(s: WindowsSession): Map<string, CmdletDef> {
  const defs: CmdletDef[] = [];
  const c = cmdletContext(s, (d) => defs.push(d));
  for (const area of [
    coreCmdlets,
    newObjectCmdlets,
    securityCmdlets,
    accountCmdlets,
    itemCmdlets,
    contentCmdlets,
    firewallCmdlets,
    firewallFilterCmdlets,
    objectCmdlets,
    cimCmdlets,
  ])
    area(c);
  return new Map(defs.map((d) => [d.name.toLowerCase(), d]));
}
