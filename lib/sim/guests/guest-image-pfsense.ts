import { GuestFs } from './guest-fs.ts';
import { LINUX_PROGRAMS, NOT_EMULATED_PROGRAMS, PROGRAM_STUB } from './guest-image-linux.ts';
import type { SimGuest } from './guest-state.ts';

/** The pfSense image: FreeBSD's tools, the factory config.xml, pfSense's scripts and accounts. */

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

export function installPfsense(guest: SimGuest): void {
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
