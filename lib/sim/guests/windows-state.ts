import { createHash, randomBytes } from 'node:crypto';

/**
 * What a Windows guest holds beyond its files: the local accounts database
 * (users, groups), Windows Defender Firewall rules and folder ACLs, as the
 * PowerShell cmdlets of the emulated guest read and change them.
 */

export interface WindowsLocalUser {
  name: string;
  fullName: string;
  description: string;
  enabled: boolean;
  /** `salt$sha256` of the password; never the password itself. */
  passwordHash?: string;
  passwordNeverExpires: boolean;
  /** `null` = never expires. */
  accountExpires: number | null;
  userMayChangePassword: boolean;
  passwordLastSet: number;
  sid: string;
}

export interface WindowsLocalGroup {
  name: string;
  description: string;
  sid: string;
  /** Member account names, as created. */
  members: string[];
}

export interface WindowsFirewallRule {
  /** The rule's unique Name (a `{GUID}` when New-NetFirewallRule is not given one). */
  name: string;
  displayName: string;
  group: string;
  description: string;
  enabled: boolean;
  direction: 'Inbound' | 'Outbound';
  action: 'Allow' | 'Block';
  protocol: string;
  localPort: string[];
  remotePort: string[];
  localAddress: string[];
  remoteAddress: string[];
  profile: string;
  /** The local-user condition (`-LocalUser`): an SDDL such as `D:(A;;CC;;;<SID>)`; absent = Any. */
  localUser?: string;
}

export interface WindowsAccessRule {
  identity: string;
  rights: string;
  inheritance: string;
  propagation: string;
  type: 'Allow' | 'Deny';
}

export interface WindowsAcl {
  /** Inheritance from the parent folder disabled (SetAccessRuleProtection($true, ...)). */
  protected: boolean;
  rules: WindowsAccessRule[];
}

export interface WindowsState {
  /** NetBIOS computer name (upper case, at most 15 characters). */
  computerName: string;
  /** Machine SID prefix, `S-1-5-21-a-b-c`. */
  machineSid: string;
  nextRid: number;
  users: Record<string, WindowsLocalUser>;
  groups: Record<string, WindowsLocalGroup>;
  firewallRules: WindowsFirewallRule[];
  /** Explicit ACLs set with Set-Acl, by lower-cased path. */
  acls: Record<string, WindowsAcl>;
  /** `HKLM\SOFTWARE\OpenSSH` DefaultShell; unset = cmd.exe, as Win32-OpenSSH's default. */
  defaultShell?: string;
  /** Default password policy of a standalone Windows Server: complexity on, at least 7 characters. */
  passwordPolicy: { complexity: boolean; minLength: number };
}

const BUILTIN_GROUPS: Array<[string, string, string]> = [
  [
    'Administrators',
    'S-1-5-32-544',
    'Administrators have complete and unrestricted access to the computer/domain',
  ],
  ['Users', 'S-1-5-32-545', 'Users are prevented from making accidental or intentional system-wide changes'],
  ['Guests', 'S-1-5-32-546', 'Guests have the same access as members of the Users group by default'],
  ['Remote Desktop Users', 'S-1-5-32-555', 'Members in this group are granted the right to logon remotely'],
  [
    'Remote Management Users',
    'S-1-5-32-580',
    'Members of this group can access WMI resources over management protocols',
  ],
];

export function hashPassword(password: string): string {
  const salt = randomBytes(12).toString('base64');
  return `${salt}$${createHash('sha256').update(`${salt}\0${password}`).digest('base64')}`;
}

export function checkPassword(hash: string | undefined, password: string): boolean {
  if (!hash) return false;
  const [salt, digest] = hash.split('$');
  return createHash('sha256').update(`${salt}\0${password}`).digest('base64') === digest;
}

/** A fresh Windows Server install: Administrator (disabled until cloudbase-init sets it up), Guest, DefaultAccount. */
export function newWindowsState(computerName: string): WindowsState {
  const r = () => randomBytes(4).readUInt32BE(0);
  const machineSid = `S-1-5-21-${r()}-${r()}-${r()}`;
  const groups: Record<string, WindowsLocalGroup> = {};
  for (const [name, sid, description] of BUILTIN_GROUPS)
    groups[name.toLowerCase()] = { name, sid, description, members: [] };
  const state: WindowsState = {
    computerName: netbiosName(computerName),
    machineSid,
    nextRid: 1000,
    users: {},
    groups,
    firewallRules: [],
    acls: {},
    passwordPolicy: { complexity: true, minLength: 7 },
  };
  const builtin = (name: string, rid: number, description: string): WindowsLocalUser => ({
    name,
    fullName: '',
    description,
    enabled: false,
    passwordNeverExpires: false,
    accountExpires: null,
    userMayChangePassword: true,
    passwordLastSet: 0,
    sid: `${machineSid}-${rid}`,
  });
  state.users.administrator = builtin(
    'Administrator',
    500,
    'Built-in account for administering the computer/domain',
  );
  state.users.guest = builtin('Guest', 501, 'Built-in account for guest access to the computer/domain');
  state.users.defaultaccount = builtin('DefaultAccount', 503, 'A user account managed by the system.');
  groups.administrators!.members.push('Administrator');
  groups.guests!.members.push('Guest');
  return state;
}

/** The NetBIOS form of a host name: letters, digits and `-`, upper case, at most 15 characters. */
export function netbiosName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9-]/g, '-')
    .toUpperCase()
    .slice(0, 15);
  return cleaned || 'WIN-EMULATED';
}
