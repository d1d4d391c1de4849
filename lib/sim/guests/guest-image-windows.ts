import { GuestFs } from './guest-fs.ts';
import { PROGRAM_STUB } from './guest-image-linux.ts';
import type { SimGuest } from './guest-state.ts';
import { newWindowsState } from './windows-state.ts';

/** The Windows Server image: its folders, its programs as stubs (PowerShell, cmd), Win32-OpenSSH's sshd_config, and its Windows state. */

export const WINDOWS_POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

export function installWindows(guest: SimGuest, hostname: string): void {
  const fs = new GuestFs(guest.fs);
  for (const d of [
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0',
    'C:\\Windows\\Temp',
    'C:\\Program Files',
    'C:\\ProgramData\\ssh',
    // The all-users Startup folder every Windows install has (shell:common startup).
    'C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp',
    'C:\\Users\\Public\\Desktop',
    'C:\\Users\\Default\\Desktop',
  ]) {
    fs.mkdir(d, { recursive: true });
  }
  fs.writeFile(WINDOWS_POWERSHELL, PROGRAM_STUB);
  fs.writeFile('C:\\Windows\\System32\\cmd.exe', PROGRAM_STUB);
  fs.writeFile('C:\\Windows\\System32\\whoami.exe', PROGRAM_STUB);
  fs.writeFile('C:\\Windows\\System32\\hostname.exe', PROGRAM_STUB);
  // Win32-OpenSSH's default sshd_config, with the administrators block turned
  // off as templates prepared for cloudbase-init do (cloudbase-init writes
  // keys to the user's own .ssh\authorized_keys).
  fs.writeFile(
    'C:\\ProgramData\\ssh\\sshd_config',
    [
      '# This is the sshd server system-wide configuration file.',
      'AuthorizedKeysFile\t.ssh/authorized_keys',
      'Subsystem\tsftp\tsftp-server.exe',
      "# Disabled by the template preparation (cloudbase-init writes the user's own file):",
      '#Match Group administrators',
      '#       AuthorizedKeysFile __PROGRAMDATA__/ssh/administrators_authorized_keys',
      '',
    ].join('\r\n'),
  );
  guest.windows = newWindowsState(hostname);
}
