import { createHash } from 'node:crypto';
import type { EmulatorVm } from '../state.ts';
import { generateEd25519KeyPair } from './ed25519-key.ts';
import { GuestFs, type GuestFsData } from './guest-fs.ts';
import { installLinux } from './guest-image-linux.ts';
import { installPfsense } from './guest-image-pfsense.ts';
import { installWindows } from './guest-image-windows.ts';
import type { WindowsState } from './windows-state.ts';

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
