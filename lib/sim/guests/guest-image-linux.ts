import { GuestFs } from './guest-fs.ts';
import type { SimGuest } from './guest-state.ts';

/** The Debian 12 guest image: its directory tree, its tools as stubs the sh dialect runs, the programs it refuses by name, root. */

/** The content of every emulated program's file: the shell runs the emulator's tool of that name instead. */
export const PROGRAM_STUB = '#!/emulated\n';

/** Commands the sh dialect implements, placed where Debian (merged /usr) has them. */
export const LINUX_PROGRAMS = [
  'cat',
  'printf',
  'echo',
  'test',
  '[',
  'mkdir',
  'rm',
  'rmdir',
  'mv',
  'cp',
  'chmod',
  'chown',
  'touch',
  'ls',
  'sha256sum',
  'base64',
  'tee',
  'head',
  'id',
  'whoami',
  'hostname',
  'uname',
  'sudo',
  'true',
  'false',
  'sync',
  'sleep',
  'sh',
  'bash',
  'dash',
  'ln',
  'readlink',
  'grep',
  'wc',
  'mktemp',
  'dirname',
  'basename',
  'realpath',
  'seq',
  'env',
  'tail',
  'which',
];

/**
 * Tools a real Debian or FreeBSD has that the emulator does not emulate: their
 * stubs exist (so `command -v` finds them) and running one fails saying so,
 * rather than pretending the tool is missing.
 */
export const NOT_EMULATED_PROGRAMS = [
  'sed',
  'awk',
  'cut',
  'tr',
  'sort',
  'uniq',
  'find',
  'xargs',
  'date',
  'stat',
  'diff',
  'cmp',
  'tar',
  'gzip',
  'gunzip',
  'curl',
  'install',
  'kill',
  'ps',
  'getent',
  'openssl',
  'ssh-keygen',
  'df',
  'du',
  'file',
  'python3',
  'perl',
];

const LINUX_NOT_EMULATED = [
  'systemctl',
  'journalctl',
  'apt-get',
  'apt',
  'dpkg',
  'wget',
  'ip',
  'ss',
  'hostnamectl',
  'timedatectl',
  'mount',
  'umount',
  'free',
];

const LINUX_SBIN_NOT_EMULATED = [
  'useradd',
  'usermod',
  'userdel',
  'groupadd',
  'chpasswd',
  'visudo',
  'service',
];

export function installLinux(guest: SimGuest, hostname: string): void {
  const fs = new GuestFs(guest.fs);
  for (const d of [
    '/usr',
    '/usr/bin',
    '/usr/sbin',
    '/usr/lib',
    '/etc',
    '/etc/ssh',
    '/etc/sudoers.d',
    '/home',
    '/var',
  ]) {
    fs.mkdir(d, { mode: 0o755 });
  }
  fs.symlink('usr/bin', '/bin');
  fs.symlink('usr/sbin', '/sbin');
  fs.symlink('usr/lib', '/lib');
  fs.mkdir('/root', { mode: 0o700 });
  fs.mkdir('/tmp', { mode: 0o1777 });
  fs.mkdir('/var/tmp', { mode: 0o1777 });
  fs.mkdir('/var/log', { mode: 0o755 });
  fs.mkdir('/opt', { mode: 0o755 });
  fs.mkdir('/srv', { mode: 0o755 });
  fs.mkdir('/dev', { mode: 0o755 });
  fs.writeFile('/dev/null', '', { mode: 0o666 });
  for (const p of [...LINUX_PROGRAMS, ...NOT_EMULATED_PROGRAMS, ...LINUX_NOT_EMULATED]) {
    fs.writeFile(`/usr/bin/${p}`, PROGRAM_STUB, { mode: 0o755 });
  }
  for (const p of LINUX_SBIN_NOT_EMULATED) fs.writeFile(`/usr/sbin/${p}`, PROGRAM_STUB, { mode: 0o755 });
  fs.writeFile(
    '/etc/os-release',
    [
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
      'NAME="Debian GNU/Linux"',
      'VERSION_ID="12"',
      'VERSION="12 (bookworm)"',
      'VERSION_CODENAME=bookworm',
      'ID=debian',
      '',
    ].join('\n'),
  );
  fs.writeFile('/etc/debian_version', '12.7\n');
  fs.writeFile('/etc/hostname', `${hostname}\n`);
  fs.writeFile(
    '/etc/ssh/sshd_config',
    [
      'Include /etc/ssh/sshd_config.d/*.conf',
      'KbdInteractiveAuthentication no',
      'UsePAM yes',
      'X11Forwarding yes',
      'PrintMotd no',
      'AcceptEnv LANG LC_*',
      'Subsystem\tsftp\t/usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  guest.accounts.root = { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' };
}
