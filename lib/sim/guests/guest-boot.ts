import type { EmulatorVm } from '../state.ts';
import { GuestFs } from './guest-fs.ts';
import type { GuestAccount, SimGuest } from './guest-state.ts';
import { withPfsenseUserKeys } from './pfsense-accounts.ts';
import { bootPfsense, PFSENSE_CONFIG } from './pfsense-dialect.ts';
import { hashPassword, netbiosName } from './windows-state.ts';

/**
 * What happens inside a guest when it boots: cloud-init (Linux) or
 * cloudbase-init (Windows) reads the Proxmox cloud-init drive — `ciuser`,
 * `cipassword`, `sshkeys` (URL-encoded, one key per line) and the VM name —
 * creates or updates the user and writes its authorized_keys; pfSense
 * clears /tmp, loads its config and writes each user's authorized_keys from
 * it. pfSense has no cloud-init: the emulator puts the VM's `sshkeys` into
 * the template's config.xml before the first boot, as a stand-in for keys
 * the operator bakes into a real template's config.xml.
 */

/** Default users of the templates when `ciuser` is unset. */
export const DEFAULT_GUEST_USER = { linux: 'debian', windows: 'Administrator', pfsense: 'admin' } as const;

/** The SSH public key lines of the VM's `sshkeys` option. */
export function cloudInitKeys(vm: EmulatorVm): string[] {
  const raw = vm.config.sshkeys;
  if (raw === undefined) return [];
  let text: string;
  try {
    text = decodeURIComponent(String(raw));
  } catch {
    text = String(raw);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function addKeys(
  fs: GuestFs,
  file: string,
  keys: string[],
  owner: { uid: number; gid: number } | undefined,
  crlf: boolean,
) {
  if (!keys.length) return;
  const existing = fs.exists(file) ? fs.readText(file).split(/\r?\n/).filter(Boolean) : [];
  const lines = [...existing, ...keys.filter((k) => !existing.includes(k))];
  const dir = file.slice(0, Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')));
  fs.mkdir(dir, { recursive: true, mode: 0o700 });
  fs.writeFile(file, lines.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n'), { mode: 0o600 });
  if (owner) {
    fs.chown(dir, owner.uid, owner.gid);
    fs.chown(file, owner.uid, owner.gid);
    fs.chmod(file, 0o600);
    fs.chmod(dir, 0o700);
  }
}

function linuxCloudInit(vm: EmulatorVm, guest: SimGuest, fs: GuestFs): void {
  const hostname = String(vm.config.name ?? `vm${vm.vmid}`);
  fs.writeFile('/etc/hostname', `${hostname}\n`);
  const name = String(vm.config.ciuser ?? DEFAULT_GUEST_USER.linux);
  let account = guest.accounts[name];
  if (!account) {
    const uid = Math.max(999, ...Object.values(guest.accounts).map((a) => a.uid)) + 1;
    account = { name, uid, gid: uid, home: `/home/${name}`, shell: '/bin/bash', sudo: true };
    guest.accounts[name] = account;
    fs.mkdir(account.home, { recursive: true, mode: 0o755 });
    fs.chown(account.home, uid, uid);
    fs.writeFile('/etc/sudoers.d/90-cloud-init-users', `${name} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  }
  if (vm.config.cipassword !== undefined) setPosixPassword(account, String(vm.config.cipassword));
  addKeys(fs, `${account.home}/.ssh/authorized_keys`, cloudInitKeys(vm), account, false);
}

function setPosixPassword(account: GuestAccount, value: string): void {
  // Proxmox stores a crypt(3) hash for non-Windows guests; the emulator can check only plain values.
  if (/^\$(1|2[aby]?|5|6|y)\$/.test(value)) account.passwordHash = `crypt$${value}`;
  else account.passwordHash = hashPassword(value);
}

function pfsenseCloudInit(vm: EmulatorVm, guest: SimGuest, fs: GuestFs): void {
  const root = guest.accounts.root!;
  if (vm.config.cipassword !== undefined) {
    setPosixPassword(guest.accounts.admin!, String(vm.config.cipassword));
    setPosixPassword(root, String(vm.config.cipassword));
  }
  // pfSense has no cloud-init: a real template carries the keys in config.xml. The emulator's
  // template gets them there from the VM's `sshkeys` once, before its first boot; from then on
  // only config.xml counts (bootPfsense writes authorized_keys from it).
  const keys = cloudInitKeys(vm);
  if (guest.bootCount === 0 && keys.length && fs.exists(PFSENSE_CONFIG)) {
    const user = String(vm.config.ciuser ?? DEFAULT_GUEST_USER.pfsense);
    const text = fs.readText(PFSENSE_CONFIG);
    const withKeys = withPfsenseUserKeys(text, user, keys);
    if (withKeys !== text) fs.writeFile(PFSENSE_CONFIG, withKeys);
  }
}

function windowsCloudInit(vm: EmulatorVm, guest: SimGuest, fs: GuestFs): void {
  const w = guest.windows!;
  if (guest.bootCount === 0) w.computerName = netbiosName(String(vm.config.name ?? `vm${vm.vmid}`));
  const name = String(vm.config.ciuser ?? DEFAULT_GUEST_USER.windows);
  let user = w.users[name.toLowerCase()];
  if (!user) {
    user = {
      name,
      fullName: '',
      description: '',
      enabled: true,
      passwordNeverExpires: true,
      accountExpires: null,
      userMayChangePassword: true,
      passwordLastSet: Date.now(),
      sid: `${w.machineSid}-${w.nextRid++}`,
    };
    w.users[name.toLowerCase()] = user;
  }
  const admins = w.groups.administrators!;
  if (!admins.members.some((m) => m.toLowerCase() === user.name.toLowerCase()))
    admins.members.push(user.name);
  user.enabled = true;
  if (vm.config.cipassword !== undefined) {
    user.passwordHash = hashPassword(String(vm.config.cipassword));
    user.passwordLastSet = Date.now();
  }
  // cloudbase-init creates the profile and writes the user's own authorized_keys.
  addKeys(fs, `C:\\Users\\${user.name}\\.ssh\\authorized_keys`, cloudInitKeys(vm), undefined, true);
}

/** Runs a guest's boot: cloud-init (or pfSense's config load), then counts the boot. */
export function bootGuest(vm: EmulatorVm, guest: SimGuest): void {
  const fs = new GuestFs(guest.fs);
  if (guest.kind === 'linux') linuxCloudInit(vm, guest, fs);
  else if (guest.kind === 'windows') windowsCloudInit(vm, guest, fs);
  else {
    pfsenseCloudInit(vm, guest, fs);
    bootPfsense(guest, fs);
  }
  guest.bootCount += 1;
}

/** The sshd_config settings the emulated sshd honours. */
export interface SshdConfig {
  acceptEnv: string[];
  passwordAuthentication: boolean;
  pubkeyAuthentication: boolean;
  authorizedKeysFile: string[];
  /** Windows: `Match Group administrators` → its AuthorizedKeysFile. */
  administratorsKeysFile?: string;
}

/** Reads sshd_config (and Debian's sshd_config.d/*.conf) the way sshd does: first value wins, AcceptEnv accumulates. */
export function readSshdConfig(guest: SimGuest): SshdConfig {
  const fs = new GuestFs(guest.fs);
  const windows = guest.kind === 'windows';
  const main = windows ? 'C:\\ProgramData\\ssh\\sshd_config' : '/etc/ssh/sshd_config';
  const cfg: SshdConfig = {
    acceptEnv: [],
    passwordAuthentication: true,
    pubkeyAuthentication: true,
    authorizedKeysFile: ['.ssh/authorized_keys', '.ssh/authorized_keys2'],
  };
  const seen = new Set<string>();
  let inAdminMatch = false;
  let matchOther = false;
  const read = (file: string) => {
    let text: string;
    try {
      text = fs.readText(file);
    } catch {
      return;
    }
    for (const rawLine of text.split(/\r?\n/)) {
      const line = rawLine.replace(/#.*$/, '').trim();
      if (!line) continue;
      const [keyword, ...rest] = line.split(/\s+/);
      const key = keyword!.toLowerCase();
      if (key === 'include' && !windows) {
        const pattern = rest.join(' ');
        const dir = pattern.slice(0, pattern.lastIndexOf('/'));
        try {
          for (const n of fs
            .readdir(dir)
            .filter((x) => x.endsWith('.conf'))
            .sort())
            read(`${dir}/${n}`);
        } catch {
          // No drop-in directory.
        }
        continue;
      }
      if (key === 'match') {
        inAdminMatch = windows && rest.join(' ').toLowerCase() === 'group administrators';
        matchOther = !inAdminMatch;
        continue;
      }
      if (inAdminMatch) {
        if (key === 'authorizedkeysfile')
          cfg.administratorsKeysFile = rest.join(' ').replace('__PROGRAMDATA__', 'C:/ProgramData');
        continue;
      }
      if (matchOther) continue;
      if (key === 'acceptenv') {
        cfg.acceptEnv.push(...rest);
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      if (key === 'passwordauthentication') cfg.passwordAuthentication = rest[0]?.toLowerCase() === 'yes';
      if (key === 'pubkeyauthentication') cfg.pubkeyAuthentication = rest[0]?.toLowerCase() === 'yes';
      if (key === 'authorizedkeysfile') cfg.authorizedKeysFile = rest;
    }
  };
  read(main);
  return cfg;
}

/** Whether sshd would accept an `env` request for this variable (AcceptEnv patterns with `*` and `?`). */
export function acceptsEnv(cfg: SshdConfig, name: string): boolean {
  return cfg.acceptEnv.some((p) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(name),
  );
}
