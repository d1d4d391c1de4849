import { createHash } from 'node:crypto';
import type { EmulatorVm } from '../state.ts';
import { generateEd25519KeyPair } from './ed25519-key.ts';
import { GuestFs, type GuestFsData } from './guest-fs.ts';
import { newWindowsState, type WindowsState } from './windows-state.ts';

/** The operating systems the emulator's guests speak, each with its own shell dialect. */
export type GuestKind = 'linux' | 'windows' | 'pfsense';

/** A POSIX account of a Linux or pfSense guest. */
export interface GuestAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** Login shell: decides the error texts of `exec` (bash on Debian, sh on FreeBSD). */
  shell: string;
  /** `salt$sha256` of the password (see windows-state.ts); unset = no password login. */
  passwordHash?: string;
  /** In sudoers with NOPASSWD (the cloud-init default user). */
  sudo?: boolean;
}

/** What pfSense has loaded: the reloads run and the config they applied. */
export interface PfsenseRuntime {
  reloads: Array<{
    command: string;
    /** `all`, `filter`, `openvpn`, `wireguard`, ... */
    what: string;
    at: number;
    ok: boolean;
    /** SHA-256 of the config text the reload applied (from /tmp/config.cache when present, as pfSense does). */
    configSha256?: string;
    /** The config came from /tmp/config.cache, not from a fresh parse of config.xml. */
    fromCache?: boolean;
    detail?: string;
  }>;
}

/** One command a guest ran over SSH, for tests and debugging (the last 200 are kept). */
export interface GuestCommandRecord {
  at: number;
  user: string;
  command: string;
  exitCode: number;
  /** The command changed the guest (its files, accounts, Windows or pfSense state); false for reads and checks. */
  changed?: boolean;
}

/**
 * An emulated guest: its disk (files), accounts, host key and, by kind, the
 * Windows accounts/firewall or pfSense runtime. Lives in `EmulatorVm.guest`, so it
 * persists with state.json and is copied by snapshots like the config.
 */
export interface SimGuest {
  kind: GuestKind;
  /** The SSH host key (ed25519, OpenSSH private key format). */
  hostKey: string;
  /** `ssh-ed25519 AAAA...` */
  hostKeyPublic: string;
  bootCount: number;
  fs: GuestFsData;
  /** POSIX accounts by name (Linux, pfSense). */
  accounts: Record<string, GuestAccount>;
  windows?: WindowsState;
  pfsense?: PfsenseRuntime;
  commands?: GuestCommandRecord[];
}

/**
 * The guest kind of a VM: its guest image's, else derived from the config
 * (`l24`/`l26` Linux, `w*`/`win*` Windows, the pfSense template by name or
 * the seeded id 9000). `undefined`: no emulated guest (no SSH).
 */
export function guestKindOf(vm: EmulatorVm): GuestKind | undefined {
  if (vm.guest) return vm.guest.kind;
  const ostype = String(vm.config.ostype ?? '');
  if (vm.vmid === 9000 || /pfsense/i.test(String(vm.config.name ?? ''))) return 'pfsense';
  if (/^l2[46]$/.test(ostype)) return 'linux';
  if (/^w/.test(ostype)) return 'windows';
  return undefined;
}

export function newHostKey(): { hostKey: string; hostKeyPublic: string } {
  const pair = generateEd25519KeyPair();
  return { hostKey: pair.private, hostKeyPublic: pair.public };
}

/** `SHA256:...` of a public key line, as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A guest image as installed from the template, before its first boot. */
export function createGuestImage(kind: GuestKind, hostname: string): SimGuest {
  const guest: SimGuest = {
    kind,
    ...newHostKey(),
    bootCount: 0,
    fs: GuestFs.create(kind === 'windows' ? 'windows' : 'posix').data,
    accounts: {},
  };
  if (kind === 'linux') installLinux(guest, hostname);
  else if (kind === 'pfsense') installPfsense(guest);
  else installWindows(guest, hostname);
  return guest;
}

/** A copy for a snapshot or a rollback: independent of the original. */
export function copyGuest(guest: SimGuest): SimGuest {
  return structuredClone(guest);
}

/** A clone's disk: the source's files with a new host key (cloud-init/sysprep regenerate it for a new instance). */
export function cloneGuestForNewVm(guest: SimGuest): SimGuest {
  const copy = copyGuest(guest);
  Object.assign(copy, newHostKey(), { commands: [] });
  if (copy.pfsense) copy.pfsense.reloads = [];
  return copy;
}

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

function installLinux(guest: SimGuest, hostname: string): void {
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

/**
 * The pfSense template's config.xml: factory default (2.7), trimmed to the
 * sections pvecdk reads or changes, plus the `pvecdk` user a pfSense template
 * for pvecdk must carry (README, guest templates): pfSense has no cloud-init,
 * so the template's operator adds it, a second uid-0 login like `admin`, and
 * the engine's key reaches it from the VM's sshkeys (guest-boot.ts).
 */
export const PFSENSE_DEFAULT_CONFIG = `<?xml version="1.0"?>
<pfsense>
  <version>23.3</version>
  <lastchange/>
  <system>
    <optimization>normal</optimization>
    <hostname>pfSense</hostname>
    <domain>home.arpa</domain>
    <group>
      <name>admins</name>
      <description><![CDATA[System Administrators]]></description>
      <scope>system</scope>
      <gid>1999</gid>
      <member>0</member>
      <priv>page-all</priv>
    </group>
    <user>
      <name>admin</name>
      <descr><![CDATA[System Administrator]]></descr>
      <scope>system</scope>
      <groupname>admins</groupname>
      <uid>0</uid>
      <priv>user-shell-access</priv>
    </user>
    <user>
      <name>pvecdk</name>
      <descr><![CDATA[pvecdk engine]]></descr>
      <scope>user</scope>
      <groupname>admins</groupname>
      <uid>0</uid>
      <priv>user-shell-access</priv>
    </user>
    <nextuid>2000</nextuid>
    <nextgid>2000</nextgid>
    <timezone>Etc/UTC</timezone>
    <ssh>
      <enable>enabled</enable>
    </ssh>
    <webgui>
      <protocol>https</protocol>
    </webgui>
  </system>
  <interfaces>
    <wan>
      <enable/>
      <if>vtnet0</if>
      <ipaddr>dhcp</ipaddr>
      <blockpriv/>
      <blockbogons/>
    </wan>
    <lan>
      <enable/>
      <if>vtnet1</if>
      <ipaddr>192.168.1.1</ipaddr>
      <subnet>24</subnet>
    </lan>
  </interfaces>
  <filter>
    <rule>
      <type>pass</type>
      <ipprotocol>inet</ipprotocol>
      <descr><![CDATA[Default allow LAN to any rule]]></descr>
      <interface>lan</interface>
      <tracker>0100000101</tracker>
      <source>
        <network>lan</network>
      </source>
      <destination>
        <any/>
      </destination>
    </rule>
  </filter>
  <nat>
    <outbound>
      <mode>automatic</mode>
    </outbound>
  </nat>
</pfsense>
`;

export const PFSENSE_SCRIPTS = [
  '/etc/rc.reload_all',
  '/etc/rc.filter_configure',
  '/etc/rc.filter_configure_sync',
  '/etc/rc.openvpn',
  '/usr/local/sbin/pfSsh.php',
];

/** FreeBSD 14's base system: no bash, no sudo (a package), base64 only as b64encode/b64decode; sha256sum since 13. */
export const FREEBSD_PROGRAMS = LINUX_PROGRAMS.filter((p) => !['bash', 'dash', 'base64', 'sudo'].includes(p));

function installPfsense(guest: SimGuest): void {
  const fs = new GuestFs(guest.fs);
  for (const d of [
    '/bin',
    '/sbin',
    '/usr',
    '/usr/bin',
    '/usr/sbin',
    '/usr/local',
    '/usr/local/sbin',
    '/usr/local/bin',
  ]) {
    fs.mkdir(d, { mode: 0o755 });
  }
  for (const d of [
    '/etc',
    '/etc/ssh',
    '/cf',
    '/cf/conf',
    '/cf/conf/backup',
    '/var',
    '/var/log',
    '/var/etc',
    '/dev',
  ]) {
    fs.mkdir(d, { mode: 0o755 });
  }
  fs.mkdir('/var/etc/openvpn', { mode: 0o700 });
  fs.mkdir('/root', { mode: 0o700 });
  fs.mkdir('/tmp', { mode: 0o1777 });
  fs.writeFile('/dev/null', '', { mode: 0o666 });
  fs.symlink('/cf/conf', '/conf');
  for (const p of FREEBSD_PROGRAMS) {
    const dir = ['chown', 'sysctl'].includes(p)
      ? '/usr/sbin'
      : [
            'hostname',
            'sh',
            'cat',
            'echo',
            'test',
            '[',
            'mkdir',
            'rm',
            'rmdir',
            'mv',
            'cp',
            'chmod',
            'ls',
            'ln',
            'sleep',
            'sync',
          ].includes(p)
        ? '/bin'
        : '/usr/bin';
    fs.writeFile(`${dir}/${p}`, PROGRAM_STUB, { mode: 0o755 });
  }
  for (const p of [...NOT_EMULATED_PROGRAMS, 'fetch'])
    fs.writeFile(`/usr/bin/${p}`, PROGRAM_STUB, { mode: 0o755 });
  for (const p of ['pfctl', 'sysctl', 'service', 'pw'])
    fs.writeFile(`/sbin/${p}`, PROGRAM_STUB, { mode: 0o755 });
  // FreeBSD names the tools `sha256` and `b64decode`; `sha256 -q` prints the bare digest.
  fs.writeFile('/sbin/sha256', PROGRAM_STUB, { mode: 0o755 });
  fs.writeFile('/usr/local/bin/php', PROGRAM_STUB, { mode: 0o755 });
  for (const s of PFSENSE_SCRIPTS) fs.writeFile(s, PROGRAM_STUB, { mode: 0o755 });
  fs.writeFile('/etc/version', '2.7.2-RELEASE\n');
  fs.writeFile('/etc/platform', 'pfSense\n');
  fs.writeFile(
    '/etc/ssh/sshd_config',
    ['PermitRootLogin yes', 'Subsystem\tsftp\t/usr/libexec/sftp-server', ''].join('\n'),
  );
  fs.writeFile('/cf/conf/config.xml', PFSENSE_DEFAULT_CONFIG, { mode: 0o644 });
  fs.writeFile('/cf/conf/backup/config-1700000000.xml', PFSENSE_DEFAULT_CONFIG, { mode: 0o644 });
  fs.writeFile('/var/log/system.log', '');
  guest.accounts.root = { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/etc/rc.initial' };
  guest.accounts.admin = { name: 'admin', uid: 0, gid: 0, home: '/root', shell: '/etc/rc.initial' };
  guest.accounts.pvecdk = { name: 'pvecdk', uid: 0, gid: 0, home: '/home/pvecdk', shell: '/etc/rc.initial' };
  guest.pfsense = { reloads: [] };
}

export const WINDOWS_POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

function installWindows(guest: SimGuest, hostname: string): void {
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
