import { createHash } from 'node:crypto';
import { PS_EPILOGUE, PS_PREAMBLE } from './powershell.ts';
import { psParams } from './powershell-params.ts';
import { WINDOWS_PATH, WINDOWS_USER } from './rds-user-scripts.ts';
import { requireName } from './validate.ts';

/**
 * PowerShell for one ShowGrounds shortcut on the RDS host: the `.4DLink` file
 * (written byte for byte from base64, so its SHA-256 is the plan's) and the
 * `.lnk` that starts the client with it. Both live in folders of their user,
 * readable by that user only.
 */

export interface RdsShortcutScriptInput {
  readonly userName: string;
  readonly linkPath: string;
  readonly linkContent: string;
  readonly shortcutPath: string;
  readonly clientExe: string;
  readonly description: string;
}

/** SHA-256 (upper-case hex, as Get-FileHash prints it) of the `.4DLink` bytes: UTF-8, no BOM. */
export function linkContentSha256(content: string): string {
  return createHash('sha256').update(Buffer.from(content, 'utf8')).digest('hex').toUpperCase();
}

/** The `.lnk` arguments: the link file's path, quoted for the client's command line. */
export function shortcutArguments(linkPath: string): string {
  return `"${linkPath}"`;
}

function checkPaths(input: {
  readonly userName: string;
  readonly linkPath: string;
  readonly shortcutPath: string;
}): void {
  requireName('userName', input.userName, WINDOWS_USER, 'a Windows account name');
  requireName('linkPath', input.linkPath, WINDOWS_PATH, 'an absolute Windows path');
  requireName('shortcutPath', input.shortcutPath, WINDOWS_PATH, 'an absolute Windows path');
  requireName('shortcutPath', input.shortcutPath, /\.lnk$/i, 'a path ending in .lnk');
}

/** Writes the `.4DLink` and the `.lnk` when they differ from what is wanted; makes their folders (user-only ACL) first. */
export function renderRdsShortcutScript(input: RdsShortcutScriptInput): string {
  checkPaths(input);
  requireName('clientExe', input.clientExe, WINDOWS_PATH, 'an absolute Windows path');
  return [
    ...psParams('rds-shortcut: converge', {
      user: input.userName,
      link: input.linkPath,
      linkBase64: Buffer.from(input.linkContent, 'utf8').toString('base64'),
      linkSha256: linkContentSha256(input.linkContent),
      lnk: input.shortcutPath,
      target: input.clientExe,
      arguments: shortcutArguments(input.linkPath),
      description: input.description,
    }),
    ...PS_PREAMBLE,
    '# Folders of this user only: SYSTEM and Administrators manage them, the user reads them.',
    'foreach ($dir in @((Split-Path -Parent $p.link), (Split-Path -Parent $p.lnk))) {',
    '  if (-not (Test-Path -LiteralPath $dir)) {',
    '    New-Item -ItemType Directory -Force -Path $dir | Out-Null',
    '    $acl = Get-Acl -LiteralPath $dir',
    '    $acl.SetAccessRuleProtection($true, $false)',
    "    foreach ($who in @('SYSTEM', 'Administrators')) {",
    "      $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($who, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))",
    '    }',
    "    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($p.user, 'ReadAndExecute', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))",
    '    Set-Acl -LiteralPath $dir -AclObject $acl',
    '    $changed = $true',
    '  }',
    '}',
    '$hash = $null',
    'if (Test-Path -LiteralPath $p.link) { $hash = (Get-FileHash -LiteralPath $p.link -Algorithm SHA256).Hash }',
    'if ($hash -ne $p.linkSha256) {',
    '  [System.IO.File]::WriteAllBytes($p.link, [Convert]::FromBase64String($p.linkBase64))',
    '  $changed = $true',
    '}',
    '$shell = New-Object -ComObject WScript.Shell',
    '$exists = Test-Path -LiteralPath $p.lnk',
    '$s = $null',
    'if ($exists) { $s = $shell.CreateShortcut($p.lnk) }',
    'if (-not $exists -or $s.TargetPath -ne $p.target -or $s.Arguments -ne $p.arguments -or $s.Description -ne $p.description) {',
    '  $s = $shell.CreateShortcut($p.lnk)',
    '  $s.TargetPath = $p.target',
    '  $s.Arguments = $p.arguments',
    '  $s.WorkingDirectory = (Split-Path -Parent $p.target)',
    '  $s.Description = $p.description',
    '  $s.Save()',
    '  $changed = $true',
    '}',
    ...PS_EPILOGUE,
  ].join('\n');
}
