import { createHash, randomUUID } from 'node:crypto';
import type { GuestFs } from './guest-fs.ts';
import { type CmdletCall, type CmdletDef, DotNetException, type ParamDef } from './powershell-interpreter.ts';
import {
  collapse,
  enumerate,
  PsHashtable,
  PsObject,
  PsScriptBlock,
  PsSecureString,
  psEquals,
  toBool,
  toStr,
  wildcard,
} from './powershell-values.ts';
import { readShellLink, writeShellLink } from './shell-link.ts';
import {
  hashPassword,
  type WindowsAccessRule,
  type WindowsFirewallRule,
  type WindowsLocalUser,
  type WindowsState,
} from './windows-state.ts';

/**
 * The cmdlets of the emulated Windows Server guest, each a faithful subset
 * of its Windows PowerShell 5.1 namesake: parameters (with prefixes,
 * aliases and positions), outputs, and the error records Windows writes
 * (UserNotFound, MemberExists, PathNotFound, ...). They change the guest's
 * state: local users and groups, files, ACLs, firewall rules.
 */

export interface WindowsSession {
  readonly fs: GuestFs;
  readonly windows: WindowsState;
  /** The logged-in account. */
  readonly userName: string;
  /** The current location (the user's profile folder). */
  readonly cwd: string;
  readonly env: Map<string, { name: string; value: string }>;
}

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
    'Get-CimInstance',
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
    'Sort-Object',
    'Measure-Object',
    'Group-Object',
    'Export-Csv',
    'Import-Csv',
    'ConvertTo-Json',
    'ConvertFrom-Json',
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
    'Out-String',
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

const LOCAL_ACCOUNTS = 'Microsoft.PowerShell.LocalAccounts';
const NET_SECURITY = 'NetSecurity';
const SECURITY = 'Microsoft.PowerShell.Security';

const FILE_SYSTEM_RIGHTS = [
  'ListDirectory',
  'ReadData',
  'WriteData',
  'CreateFiles',
  'CreateDirectories',
  'AppendData',
  'ReadExtendedAttributes',
  'WriteExtendedAttributes',
  'Traverse',
  'ExecuteFile',
  'DeleteSubdirectoriesAndFiles',
  'ReadAttributes',
  'WriteAttributes',
  'Write',
  'Delete',
  'ReadPermissions',
  'Read',
  'ReadAndExecute',
  'Modify',
  'ChangePermissions',
  'TakeOwnership',
  'Synchronize',
  'FullControl',
];
const INHERITANCE_FLAGS = ['None', 'ContainerInherit', 'ObjectInherit'];
const PROPAGATION_FLAGS = ['None', 'NoPropagateInherit', 'InheritOnly'];
const ACCESS_TYPES = ['Allow', 'Deny'];

/** Content encodings of Windows PowerShell 5.1 (no UTF8NoBOM there). */
const ENCODINGS = {
  name: 'Microsoft.PowerShell.Commands.FileSystemCmdletProviderEncoding',
  values: [
    'Unknown',
    'String',
    'Unicode',
    'Byte',
    'BigEndianUnicode',
    'UTF8',
    'UTF7',
    'UTF32',
    'Ascii',
    'Default',
    'Oem',
    'BigEndianUTF32',
  ],
};

function encodeText(text: string, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'utf8':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'unicode':
    case 'string':
    case 'unknown':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'bigendianunicode': {
      const le = Buffer.from(text, 'utf16le');
      for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
    }
    case 'ascii':
      return Buffer.from(
        text.replace(/[^ -~\t\r\n]/g, (c) => (c.charCodeAt(0) < 0x80 ? c : '?')),
        'latin1',
      );
    default:
      // Default/Oem: the ANSI code page (Windows-1252 here); what it cannot hold becomes '?'.
      return Buffer.from(text.replace(/[\u0100-\uffff]/g, '?'), 'latin1');
  }
}

/** Get-Content's decoding: a BOM decides, else the ANSI code page. */
function decodeText(data: Buffer): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.subarray(3).toString('utf8');
  if (data[0] === 0xff && data[1] === 0xfe) return data.subarray(2).toString('utf16le');
  if (data[0] === 0xfe && data[1] === 0xff) {
    const b = Buffer.from(data.subarray(2));
    for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1]!, b[i]!];
    return b.toString('utf16le');
  }
  return data.toString('latin1');
}

const path = (name: string, position?: number, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  type: 'string',
  ...(position !== undefined ? { position } : {}),
  notNull: true,
  ...extra,
});

export function windowsCmdlets(s: WindowsSession): Map<string, CmdletDef> {
  const { fs, windows: w } = s;
  const defs: CmdletDef[] = [];
  const def = (d: CmdletDef) => defs.push(d);
  const computer = () => w.computerName;

  // ---- helpers ---------------------------------------------------------------

  const pathNotFound = (call: CmdletCall, p: string, errorId = 'PathNotFound') =>
    call.writeError({
      message: `Cannot find path '${p}' because it does not exist.`,
      category: 'ObjectNotFound',
      targetName: p,
      reason: 'ItemNotFoundException',
      errorId,
    });

  /** The path a cmdlet was given (-Path/-LiteralPath), absolute, provider prefix removed. */
  const pathArg = (
    call: CmdletCall,
  ): { raw: string; full: string; provider: 'fs' | 'env' | 'other' } | undefined => {
    const raw = toStr(call.params.LiteralPath ?? call.params.Path ?? '');
    if (!call.bound.has('LiteralPath') && !call.bound.has('Path')) {
      call.fail({
        message: `Cannot process command because of one or more missing mandatory parameters: Path.`,
        category: 'InvalidArgument',
        reason: 'ParameterBindingException',
        errorId: 'MissingMandatoryParameter',
      });
    }
    const m = /^(?:Microsoft\.PowerShell\.Core\\)?(?:FileSystem::)?(.*)$/i.exec(raw)!;
    const p = m[1]!;
    if (/^env:\\?/i.test(p)) return { raw, full: p.replace(/^env:\\?/i, ''), provider: 'env' };
    if (/^(HKLM|HKCU|Cert|Variable|Function|Alias|WSMan):/i.test(p))
      return { raw, full: p, provider: 'other' };
    return { raw, full: fs.normalise(p, s.cwd), provider: 'fs' };
  };

  const userObject = (u: WindowsLocalUser) =>
    new PsObject(
      'Microsoft.PowerShell.Commands.LocalUser',
      {
        AccountExpires: u.accountExpires === null ? null : new Date(u.accountExpires).toISOString(),
        Description: u.description,
        Enabled: u.enabled,
        FullName: u.fullName,
        PasswordChangeableDate: null,
        PasswordExpires: u.passwordNeverExpires
          ? null
          : new Date(u.passwordLastSet + 42 * 86_400_000).toISOString(),
        UserMayChangePassword: u.userMayChangePassword,
        PasswordRequired: true,
        PasswordLastSet: u.passwordLastSet ? new Date(u.passwordLastSet).toISOString() : null,
        LastLogon: null,
        Name: u.name,
        SID: u.sid,
        PrincipalSource: 'Local',
        ObjectClass: 'User',
      },
      () => u.name,
    );

  const findUser = (name: string): WindowsLocalUser | undefined =>
    w.users[name.replace(/^.*\\/, '').toLowerCase()];

  const userNotFound = (call: CmdletCall, name: string) =>
    call.writeError({
      message: `User ${name} was not found.`,
      category: 'ObjectNotFound',
      targetName: name,
      reason: 'UserNotFoundException',
      errorId: 'UserNotFound',
    });

  const groupNotFound = (call: CmdletCall, name: string) =>
    call.writeError({
      message: `Group ${name} was not found.`,
      category: 'ObjectNotFound',
      targetName: name,
      reason: 'GroupNotFoundException',
      errorId: 'GroupNotFound',
    });

  /** The password policy check of SAM: length, and three of four character classes, not containing the account name. */
  const passwordOk = (password: string, userName: string): boolean => {
    const policy = w.passwordPolicy;
    if (password.length < policy.minLength) return false;
    if (!policy.complexity) return true;
    if (userName.length >= 3 && password.toLowerCase().includes(userName.toLowerCase())) return false;
    const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
    return classes >= 3;
  };

  const invalidPassword = (call: CmdletCall, name: string) =>
    call.fail({
      message:
        'The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements.',
      category: 'InvalidOperation',
      targetName: name,
      reason: 'InvalidPasswordException',
      errorId: 'InvalidPassword',
    });

  const resolveIdentity = (identity: string): string | undefined => {
    const plain = identity.replace(/^(BUILTIN|NT AUTHORITY|\.)\\/i, '');
    const wellKnown: Record<string, string> = {
      system: 'NT AUTHORITY\\SYSTEM',
      'local system': 'NT AUTHORITY\\SYSTEM',
      'authenticated users': 'NT AUTHORITY\\Authenticated Users',
      interactive: 'NT AUTHORITY\\INTERACTIVE',
      everyone: 'Everyone',
      'creator owner': 'CREATOR OWNER',
    };
    if (wellKnown[plain.toLowerCase()]) return wellKnown[plain.toLowerCase()];
    const [domain, name] = identity.includes('\\') ? identity.split('\\') : [undefined, identity];
    if (domain && !['builtin', computer().toLowerCase(), '.'].includes(domain.toLowerCase()))
      return undefined;
    const group = w.groups[name!.toLowerCase()];
    if (group && (!domain || domain.toLowerCase() === 'builtin' || domain === '.'))
      return `BUILTIN\\${group.name}`;
    const user = w.users[name!.toLowerCase()];
    if (user && domain?.toLowerCase() !== 'builtin') return `${computer()}\\${user.name}`;
    return undefined;
  };

  const ruleObject = (r: WindowsAccessRule, inherited: boolean) =>
    new PsObject('System.Security.AccessControl.FileSystemAccessRule', {
      FileSystemRights: r.rights,
      AccessControlType: r.type,
      IdentityReference: r.identity,
      IsInherited: inherited,
      InheritanceFlags: r.inheritance,
      PropagationFlags: r.propagation,
    });

  const enumValue = (label: string, value: string, allowed: string[], typeName: string): string => {
    const parts = value.split(',').map((p) => p.trim());
    const out: string[] = [];
    for (const part of parts) {
      const match = allowed.find((a) => a.toLowerCase() === part.toLowerCase());
      if (!match)
        throw new DotNetException(
          `Cannot convert argument "${label}", with value: "${value}", for "FileSystemAccessRule" to type "${typeName}": "Cannot convert value "${value}" to type "${typeName}". Error: "Unable to match the identifier name ${part} to a valid enumerator name. Specify one of the following enumerator names and try again:\n${allowed.join(', ')}""`,
          'MethodException',
        );
      out.push(match);
    }
    return out.join(', ');
  };

  const defaultInherited = (): WindowsAccessRule[] => [
    {
      identity: 'NT AUTHORITY\\SYSTEM',
      rights: 'FullControl',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'None',
      type: 'Allow',
    },
    {
      identity: 'BUILTIN\\Administrators',
      rights: 'FullControl',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'None',
      type: 'Allow',
    },
    {
      identity: 'BUILTIN\\Users',
      rights: 'ReadAndExecute, Synchronize',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'None',
      type: 'Allow',
    },
    {
      identity: 'CREATOR OWNER',
      rights: 'FullControl',
      inheritance: 'ContainerInherit, ObjectInherit',
      propagation: 'InheritOnly',
      type: 'Allow',
    },
  ];

  /** The ACL object Get-Acl returns; Set-Acl stores its explicit rules and protection. */
  const aclObject = (full: string, isDir: boolean) => {
    const stored = w.acls[full.toLowerCase()];
    const state = {
      protected: stored?.protected ?? false,
      rules: [...(stored?.rules ?? [])],
      inherited: stored?.protected ? [] : defaultInherited(),
    };
    const o = new PsObject(
      isDir
        ? 'System.Security.AccessControl.DirectorySecurity'
        : 'System.Security.AccessControl.FileSecurity',
      {
        Path: `Microsoft.PowerShell.Core\\FileSystem::${full}`,
        Owner: 'BUILTIN\\Administrators',
        Group: `${computer()}\\None`,
      },
    );
    const refresh = () => {
      o.props.set('access', {
        name: 'Access',
        value: [
          ...state.rules.map((r) => ruleObject(r, false)),
          ...state.inherited.map((r) => ruleObject(r, true)),
        ],
      });
      o.props.set('areaccessrulesprotected', { name: 'AreAccessRulesProtected', value: state.protected });
    };
    refresh();
    o.method('SetAccessRuleProtection', ([isProtected, preserve]) => {
      if (toBool(isProtected)) {
        if (toBool(preserve)) state.rules.push(...state.inherited);
        state.inherited = [];
        state.protected = true;
      } else {
        state.protected = false;
        state.inherited = defaultInherited();
      }
      refresh();
      return null;
    });
    const takeRule = (v: unknown): WindowsAccessRule => {
      if (!(v instanceof PsObject) || v.typeName !== 'System.Security.AccessControl.FileSystemAccessRule')
        throw new DotNetException(
          'Cannot convert argument "rule" to type "System.Security.AccessControl.FileSystemAccessRule".',
          'MethodArgumentConversionInvalidCastArgument',
        );
      const identity = resolveIdentity(toStr(v.get('IdentityReference').value));
      if (!identity)
        throw new DotNetException(
          'Some or all identity references could not be translated.',
          'IdentityNotMappedException',
        );
      return {
        identity,
        rights: toStr(v.get('FileSystemRights').value),
        inheritance: toStr(v.get('InheritanceFlags').value),
        propagation: toStr(v.get('PropagationFlags').value),
        type: toStr(v.get('AccessControlType').value) as 'Allow' | 'Deny',
      };
    };
    o.method('AddAccessRule', ([rule]) => {
      state.rules.push(takeRule(rule));
      refresh();
      return null;
    });
    o.method('SetAccessRule', ([rule]) => {
      const r = takeRule(rule);
      state.rules = state.rules.filter((x) => !(x.identity === r.identity && x.type === r.type));
      state.rules.push(r);
      refresh();
      return null;
    });
    o.method('RemoveAccessRule', ([rule]) => {
      const r = takeRule(rule);
      const before = state.rules.length;
      state.rules = state.rules.filter(
        (x) => !(x.identity === r.identity && x.rights === r.rights && x.type === r.type),
      );
      refresh();
      return state.rules.length !== before;
    });
    o.method('GetAccessRules', () => o.get('Access').value);
    (o as PsObject & { aclState?: typeof state }).aclState = state;
    return o;
  };

  const firewallNotFound = (call: CmdletCall, property: string, value: string) =>
    call.writeError({
      message: `No MSFT_NetFirewallRule objects found with property '${property}' equal to '${value}'.  Verify the value of the property and retry.`,
      category: 'ObjectNotFound',
      targetName: value,
      reason: 'CimJobException',
      errorId: `CmdletizationQuery_NotFound_${property}`,
    });

  const firewallObject = (r: WindowsFirewallRule) =>
    new PsObject(
      'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetFirewallRule',
      {
        Name: r.name,
        DisplayName: r.displayName,
        Description: r.description,
        DisplayGroup: r.group,
        Group: r.group,
        Enabled: r.enabled ? 'True' : 'False',
        Profile: r.profile,
        Direction: r.direction,
        Action: r.action,
        PrimaryStatus: 'OK',
        EnforcementStatus: 'NotApplicable',
        PolicyStoreSource: 'PersistentStore',
      },
      () => `MSFT_NetFirewallRule (Name = "${r.name}")`,
    );

  const scalarOrArray = (v: string[]) => (v.length === 1 ? v[0] : [...v]);

  /** Windows stores a /32 as the bare address and other prefixes as address/mask. */
  const normaliseAddress = (a: string): string | undefined => {
    const keywords = [
      'Any',
      'LocalSubnet',
      'DNS',
      'DHCP',
      'WINS',
      'DefaultGateway',
      'Internet',
      'Intranet',
      'IntranetRemoteAccess',
      'PlayToDevice',
    ];
    const kw = keywords.find((k) => k.toLowerCase() === a.toLowerCase().replace(/[46]$/, ''));
    if (kw) return /[46]$/.test(a) && kw !== 'Any' ? `${kw}${a.slice(-1)}` : kw;
    const ip = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
    const valid = (x: string) => {
      const m = ip.exec(x);
      return m?.slice(1).every((o) => Number(o) <= 255);
    };
    if (valid(a)) return a;
    const range = /^([\d.]+)-([\d.]+)$/.exec(a);
    if (range && valid(range[1]!) && valid(range[2]!)) return a;
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(a);
    if (cidr && valid(cidr[1]!) && Number(cidr[2]) <= 32) {
      const bits = Number(cidr[2]);
      if (bits === 32) return cidr[1];
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return `${cidr[1]}/${[24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.')}`;
    }
    const masked = /^([\d.]+)\/([\d.]+)$/.exec(a);
    if (masked && valid(masked[1]!) && valid(masked[2]!)) return a;
    if (/^[0-9a-f:]+(\/\d{1,3})?$/i.test(a) && a.includes(':')) return a;
    return undefined;
  };

  const invalidAddress = (call: CmdletCall) =>
    call.fail({
      message:
        'The address is invalid. Addresses may be specified as IP addresses, ranges, or subnets. Also, the following address keywords are allowed in certain places: LocalSubnet, DNS, DHCP, WINS, DefaultGateway, Internet, Intranet, IntranetRemoteAccess, PlayToDevice. Keywords can be restricted to IPv4 or IPv6 by appending a 4 or 6.',
      category: 'InvalidArgument',
      reason: 'CimException',
      errorId: 'HRESULT 0x80070057',
    });

  const checkPorts = (call: CmdletCall, ports: string[], protocol: string) => {
    const keywords = [
      'any',
      'rpc',
      'rpcepmap',
      'iphttps',
      'iphttpsin',
      'iphttpsout',
      'playtodiscovery',
      'teredo',
    ];
    for (const p of ports) {
      const range = /^(\d+)(?:-(\d+))?$/.exec(p);
      const ok = range
        ? Number(range[1]) <= 65_535 &&
          (range[2] === undefined || (Number(range[2]) <= 65_535 && Number(range[2]) >= Number(range[1])))
        : keywords.includes(p.toLowerCase());
      if (!ok)
        call.fail({
          message:
            'The port is invalid. When Protocol is TCP or UDP, individual ports or ranges are allowed. Also, the following port keywords are allowed: RPC, RPCEPMap, Teredo, IPHTTPS, PlayToDiscovery.',
          category: 'InvalidArgument',
          reason: 'CimException',
          errorId: 'HRESULT 0x80070057',
        });
    }
    if (
      ports.some((p) => p.toLowerCase() !== 'any') &&
      !['tcp', 'udp', '6', '17'].includes(protocol.toLowerCase())
    )
      call.fail({
        message: 'The port filter is invalid: ports can only be specified when the protocol is TCP or UDP.',
        category: 'InvalidArgument',
        reason: 'CimException',
        errorId: 'HRESULT 0x80070057',
      });
  };

  const selectRules = (
    call: CmdletCall,
    prop: 'Name' | 'DisplayName',
    values: string[],
  ): WindowsFirewallRule[] => {
    const out: WindowsFirewallRule[] = [];
    for (const v of values) {
      const re = wildcard(v);
      const hits = w.firewallRules.filter((r) => re.test(prop === 'Name' ? r.name : r.displayName));
      if (!hits.length && !/[*?[]/.test(v)) firewallNotFound(call, prop, v);
      out.push(...hits.filter((h) => !out.includes(h)));
    }
    return out;
  };

  const rulesFromCall = (call: CmdletCall): WindowsFirewallRule[] => {
    if (call.params.InputObject !== undefined && call.params.InputObject !== null) {
      return enumerate(call.params.InputObject)
        .map((o) =>
          o instanceof PsObject
            ? w.firewallRules.find((r) => r.name === toStr(o.get('Name').value))
            : undefined,
        )
        .filter((r): r is WindowsFirewallRule => r !== undefined);
    }
    if (call.bound.has('DisplayName'))
      return selectRules(call, 'DisplayName', call.params.DisplayName as string[]);
    if (call.bound.has('Name')) return selectRules(call, 'Name', call.params.Name as string[]);
    if (call.bound.has('Group')) {
      const groups = (call.params.Group as string[]).map((g) => wildcard(g));
      return w.firewallRules.filter((r) => groups.some((g) => g.test(r.group)));
    }
    return [...w.firewallRules];
  };

  const applyFirewallProps = (call: CmdletCall, r: WindowsFirewallRule) => {
    const p = call.params;
    if (call.bound.has('NewDisplayName')) r.displayName = toStr(p.NewDisplayName);
    if (call.bound.has('Description')) r.description = toStr(p.Description);
    if (call.bound.has('Group') && call.interp) r.group = toStr(enumerate(p.Group)[0]);
    if (call.bound.has('Enabled')) r.enabled = toStr(p.Enabled).toLowerCase() === 'true';
    if (call.bound.has('Direction')) r.direction = toStr(p.Direction) as 'Inbound';
    if (call.bound.has('Action')) r.action = toStr(p.Action) as 'Allow';
    if (call.bound.has('Protocol')) r.protocol = toStr(p.Protocol).toUpperCase();
    if (call.bound.has('Profile')) r.profile = toStr(p.Profile);
    if (call.bound.has('LocalPort')) r.localPort = p.LocalPort as string[];
    if (call.bound.has('RemotePort')) r.remotePort = p.RemotePort as string[];
    for (const key of ['LocalAddress', 'RemoteAddress'] as const) {
      if (!call.bound.has(key)) continue;
      const values = (p[key] as string[]).map(normaliseAddress);
      if (values.some((v) => v === undefined)) invalidAddress(call);
      r[key === 'LocalAddress' ? 'localAddress' : 'remoteAddress'] = values as string[];
    }
    checkPorts(call, [...r.localPort, ...r.remotePort], r.protocol);
  };

  const FIREWALL_ENUMS = {
    direction: { name: 'Direction', values: ['Inbound', 'Outbound'] },
    action: { name: 'Action', values: ['NotConfigured', 'Allow', 'Block'] },
    enabled: { name: 'Enabled', values: ['True', 'False'] },
  };
  const firewallParams = (extra: ParamDef[]): ParamDef[] => [
    ...extra,
    { name: 'Description', type: 'string' },
    { name: 'Enabled', type: 'string', enumType: FIREWALL_ENUMS.enabled },
    {
      name: 'Profile',
      type: 'string',
      enumType: { name: 'Profile', values: ['Any', 'Domain', 'Private', 'Public', 'NotApplicable'] },
    },
    { name: 'Direction', type: 'string', enumType: FIREWALL_ENUMS.direction },
    { name: 'Action', type: 'string', enumType: FIREWALL_ENUMS.action },
    { name: 'Protocol', type: 'string' },
    { name: 'LocalPort', type: 'string[]' },
    { name: 'RemotePort', type: 'string[]' },
    { name: 'LocalAddress', type: 'string[]' },
    { name: 'RemoteAddress', type: 'string[]' },
    { name: 'Program', type: 'string' },
  ];

  // ---- core ------------------------------------------------------------------

  def({
    name: 'Set-StrictMode',
    className: 'Microsoft.PowerShell.Commands.SetStrictModeCommand',
    params: [
      { name: 'Version', type: 'string', aliases: ['v'] },
      { name: 'Off', type: 'switch' },
    ],
    run: (call) => {
      if (call.params.Off) {
        call.interp.strictVersion = 0;
        return;
      }
      const v = toStr(call.params.Version ?? '');
      if (v.toLowerCase() === 'latest') call.interp.strictVersion = 3;
      else if (/^\d+(\.\d+)?$/.test(v) && Number(v) >= 1 && Number(v) <= 3)
        call.interp.strictVersion = Math.floor(Number(v));
      else
        call.fail({
          message: `Cannot validate argument on parameter 'Version'. The ${v} version is not valid. Specify a valid version, such as "1.0", "2.0", "3.0" or "Latest".`,
          category: 'InvalidData',
          reason: 'ParameterBindingValidationException',
          errorId: 'ParameterArgumentValidationError',
        });
    },
  });

  def({
    name: 'ForEach-Object',
    className: 'Microsoft.PowerShell.Commands.ForEachObjectCommand',
    perItem: true,
    params: [
      { name: 'Process', type: 'scriptblock', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'MemberName', type: 'string' },
    ],
    run: (call) => {
      const item = call.params.InputObject;
      if (call.params.Process instanceof PsScriptBlock) {
        for (const v of call.interp.invokeScriptBlock(call.params.Process, item)) call.output(v);
      } else if (call.params.MemberName !== undefined) {
        call.output(call.interp.getMember(item, toStr(call.params.MemberName), call.extent));
      }
    },
  });

  def({
    name: 'Where-Object',
    className: 'Microsoft.PowerShell.Commands.WhereObjectCommand',
    perItem: true,
    params: [
      { name: 'FilterScript', type: 'scriptblock', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
    ],
    run: (call) => {
      const item = call.params.InputObject;
      if (
        call.params.FilterScript instanceof PsScriptBlock &&
        toBool(collapse(call.interp.invokeScriptBlock(call.params.FilterScript, item)))
      )
        call.output(item);
    },
  });

  // ---- utility -----------------------------------------------------------------

  def({
    name: 'Out-Null',
    className: 'Microsoft.PowerShell.Commands.OutNullCommand',
    params: [{ name: 'InputObject', type: 'object', pipeline: true }],
    run: () => {},
  });

  def({
    name: 'Write-Output',
    className: 'Microsoft.PowerShell.Commands.WriteOutputCommand',
    params: [
      { name: 'InputObject', type: 'object', position: 0, pipeline: true, remaining: true },
      { name: 'NoEnumerate', type: 'switch' },
    ],
    run: (call) => {
      for (const v of enumerate(call.params.InputObject)) call.output(v);
    },
  });

  def({
    name: 'Write-Host',
    className: 'Microsoft.PowerShell.Commands.WriteHostCommand',
    params: [
      { name: 'Object', type: 'object', position: 0, remaining: true, pipeline: true },
      { name: 'NoNewline', type: 'switch' },
      { name: 'ForegroundColor', type: 'string' },
      { name: 'BackgroundColor', type: 'string' },
      { name: 'Separator', type: 'string' },
    ],
    run: (call) => {
      // Host output reaches stdout in a redirected powershell.exe.
      call.interp.host.writeOut(
        enumerate(call.params.Object)
          .map(toStr)
          .join(toStr(call.params.Separator ?? ' ')),
      );
    },
  });

  def({
    name: 'Write-Error',
    className: 'Microsoft.PowerShell.Commands.WriteErrorCommand',
    params: [
      { name: 'Message', type: 'string', position: 0 },
      { name: 'Category', type: 'string' },
      { name: 'ErrorId', type: 'string' },
    ],
    run: (call) =>
      call.writeError({
        message: toStr(call.params.Message),
        category: toStr(call.params.Category ?? 'NotSpecified'),
        reason: 'WriteErrorException',
        errorId: toStr(call.params.ErrorId ?? 'Microsoft.PowerShell.Commands.WriteErrorException'),
      }),
  });

  def({
    name: 'Compare-Object',
    className: 'Microsoft.PowerShell.Commands.CompareObjectCommand',
    params: [
      { name: 'ReferenceObject', type: 'object[]', position: 0, mandatory: true },
      { name: 'DifferenceObject', type: 'object[]', position: 1, mandatory: true, pipeline: true },
      { name: 'IncludeEqual', type: 'switch' },
      { name: 'ExcludeDifferent', type: 'switch' },
      { name: 'CaseSensitive', type: 'switch' },
      { name: 'PassThru', type: 'switch' },
    ],
    run: (call) => {
      const ref = enumerate(call.params.ReferenceObject);
      const diff = enumerate(call.params.DifferenceObject).flatMap((d) => enumerate(d));
      const cs = Boolean(call.params.CaseSensitive);
      const result = (v: unknown, side: string) =>
        call.params.PassThru
          ? v
          : new PsObject('System.Management.Automation.PSCustomObject', {
              InputObject: v,
              SideIndicator: side,
            });
      const usedRef = new Set<number>();
      const onlyDiff: unknown[] = [];
      const equal: unknown[] = [];
      for (const d of diff) {
        const i = ref.findIndex((r, idx) => !usedRef.has(idx) && psEquals(r, d, cs));
        if (i >= 0) {
          usedRef.add(i);
          equal.push(d);
        } else onlyDiff.push(d);
      }
      if (call.params.IncludeEqual) for (const e of equal) call.output(result(e, '=='));
      if (!call.params.ExcludeDifferent) {
        for (const d of onlyDiff) call.output(result(d, '=>'));
        ref.forEach((r, i) => {
          if (!usedRef.has(i)) call.output(result(r, '<='));
        });
      }
    },
  });

  def({
    name: 'New-Object',
    className: 'Microsoft.PowerShell.Commands.NewObjectCommand',
    params: [
      { name: 'TypeName', type: 'string', position: 0 },
      { name: 'ArgumentList', type: 'object[]', position: 1, aliases: ['Args'] },
      { name: 'ComObject', type: 'string' },
      { name: 'Property', type: 'object' },
      { name: 'Strict', type: 'switch' },
    ],
    run: (call) => {
      if (call.params.ComObject !== undefined) {
        const prog = toStr(call.params.ComObject);
        if (prog.toLowerCase() !== 'wscript.shell')
          call.fail({
            message: `Retrieving the COM class factory for component with CLSID {00000000-0000-0000-0000-000000000000} failed due to the following error: 80040154 Class not registered (Exception from HRESULT: 0x80040154 (REGDB_E_CLASSNOTREG)).`,
            category: 'ResourceUnavailable',
            reason: 'COMException',
            errorId: 'NoCOMClassIdentified',
          });
        call.output(wscriptShell());
        return;
      }
      const type = toStr(call.params.TypeName ?? '');
      const args = enumerate(call.params.ArgumentList);
      const short = type.toLowerCase().replace(/^system\./, '');
      if (short === 'security.accesscontrol.filesystemaccessrule') {
        try {
          call.output(accessRule(args));
        } catch (e) {
          if (!(e instanceof DotNetException)) throw e;
          call.fail({
            message: e.message.startsWith('Cannot convert')
              ? e.message
              : `Exception calling ".ctor" with "${args.length}" argument(s): "${e.message}"`,
            category: 'InvalidOperation',
            reason: 'MethodException',
            errorId: 'ConstructorInvokedThrowException',
          });
        }
        return;
      }
      if (short === 'psobject' || short === 'management.automation.psobject' || short === 'pscustomobject') {
        const o = new PsObject('System.Management.Automation.PSCustomObject');
        if (call.params.Property instanceof PsHashtable) {
          for (const [k, v] of call.params.Property.entries()) {
            o.props.set(toStr(k).toLowerCase(), { name: toStr(k), value: v });
            o.writable(toStr(k));
          }
        }
        call.output(o);
        return;
      }
      if (short === 'collections.hashtable' || short === 'hashtable') {
        call.output(new PsHashtable());
        return;
      }
      call.fail({
        message: `Cannot find type [${type}]: verify that the assembly containing this type is loaded.`,
        category: 'InvalidType',
        reason: 'PSArgumentException',
        errorId: 'TypeNotFound',
      });
    },
  });

  function accessRule(args: unknown[]): PsObject {
    if (args.length !== 3 && args.length !== 5)
      throw new DotNetException(
        `Cannot find an overload for "FileSystemAccessRule" and the argument count: "${args.length}".`,
        'MethodCountCouldNotFindBest',
      );
    const [identity, rights, ...rest] = args.map(toStr);
    const [inheritance, propagation, type] = args.length === 5 ? rest : ['None', 'None', rest[0]!];
    return new PsObject('System.Security.AccessControl.FileSystemAccessRule', {
      IdentityReference: identity,
      FileSystemRights: enumValue(
        'fileSystemRights',
        rights!,
        FILE_SYSTEM_RIGHTS,
        'System.Security.AccessControl.FileSystemRights',
      ),
      InheritanceFlags: enumValue(
        'inheritanceFlags',
        inheritance!,
        INHERITANCE_FLAGS,
        'System.Security.AccessControl.InheritanceFlags',
      ),
      PropagationFlags: enumValue(
        'propagationFlags',
        propagation!,
        PROPAGATION_FLAGS,
        'System.Security.AccessControl.PropagationFlags',
      ),
      AccessControlType: enumValue(
        'type',
        type!,
        ACCESS_TYPES,
        'System.Security.AccessControl.AccessControlType',
      ),
      IsInherited: false,
    });
  }

  function wscriptShell(): PsObject {
    const shell = new PsObject('System.__ComObject#{41904400-be18-11d3-a28b-00104bd35090}');
    shell.method('CreateShortcut', ([pathArgument]) => {
      const full = fs.normalise(toStr(pathArgument), s.cwd);
      if (!/\.(lnk|url)$/i.test(full))
        throw new DotNetException(
          'The shortcut pathname must end with .lnk or .url.',
          'ComMethodTargetInvocation',
        );
      let link = {
        targetPath: '',
        arguments: '',
        workingDirectory: '',
        description: '',
        iconLocation: ',0',
        windowStyle: 1,
      };
      try {
        link = { ...link, ...readShellLink(fs.readFile(full)) };
        if (!link.iconLocation) link.iconLocation = ',0';
      } catch {
        // A new shortcut, or one the shell cannot read: starts empty, as WScript does.
      }
      const sc = new PsObject('System.__ComObject#{f935dc23-1cf0-11d0-adb9-00c04fd58a0b}', {
        FullName: full,
        TargetPath: link.targetPath,
        Arguments: link.arguments,
        WorkingDirectory: link.workingDirectory,
        Description: link.description,
        IconLocation: link.iconLocation,
        Hotkey: '',
        WindowStyle: link.windowStyle,
        RelativePath: '',
      });
      for (const p of [
        'TargetPath',
        'Arguments',
        'WorkingDirectory',
        'Description',
        'IconLocation',
        'Hotkey',
        'WindowStyle',
        'RelativePath',
      ])
        sc.writable(p);
      sc.method('Save', () => {
        const parent = full.slice(0, full.lastIndexOf('\\')) || full.slice(0, 3);
        if (!fs.exists(parent))
          throw new DotNetException(`Unable to save shortcut "${full}".`, 'ComMethodTargetInvocation');
        const get = (n: string) => toStr(sc.get(n).value);
        fs.writeFile(
          full,
          writeShellLink({
            targetPath: get('TargetPath'),
            arguments: get('Arguments'),
            workingDirectory: get('WorkingDirectory'),
            description: get('Description'),
            iconLocation: get('IconLocation') === ',0' ? '' : get('IconLocation'),
            windowStyle: Number(sc.get('WindowStyle').value) || 1,
          }),
        );
        return null;
      });
      return sc;
    });
    return shell;
  }

  // ---- security ---------------------------------------------------------------------

  def({
    name: 'ConvertTo-SecureString',
    module: SECURITY,
    className: 'Microsoft.PowerShell.Commands.ConvertToSecureStringCommand',
    params: [
      { name: 'String', type: 'string', position: 0, mandatory: true, pipeline: true },
      { name: 'AsPlainText', type: 'switch' },
      { name: 'Force', type: 'switch' },
      { name: 'Key', type: 'object' },
      { name: 'SecureKey', type: 'object' },
    ],
    run: (call) => {
      const text = toStr(enumerate(call.params.String)[0]);
      if (!call.params.AsPlainText) {
        call.fail({
          message: 'Input string was not in a correct format.',
          category: 'InvalidArgument',
          reason: 'FormatException',
          errorId: 'ImportSecureString_InvalidArgument_CryptographicError',
        });
      }
      if (!call.params.Force) {
        call.fail({
          message:
            'The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, reissue the command specifying the Force parameter. For more information ,type: get-help ConvertTo-SecureString.',
          category: 'InvalidArgument',
          reason: 'ArgumentException',
          errorId: 'ImportSecureString_InvalidArgument',
        });
      }
      call.output(new PsSecureString(text));
    },
  });

  def({
    name: 'Get-Acl',
    module: SECURITY,
    className: 'Microsoft.PowerShell.Commands.GetAclCommand',
    params: [path('Path', 0), path('LiteralPath', undefined, { aliases: ['PSPath'] })],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full, 'GetAcl_PathNotFound_Exception');
        return;
      }
      call.output(aclObject(fs.stat(p.full).path, fs.stat(p.full).type === 'dir'));
    },
  });

  def({
    name: 'Set-Acl',
    module: SECURITY,
    className: 'Microsoft.PowerShell.Commands.SetAclCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'AclObject', type: 'object', position: 1, mandatory: true },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full, 'SetAcl_PathNotFound_Exception');
        return;
      }
      const acl = call.params.AclObject as PsObject & {
        aclState?: { protected: boolean; rules: WindowsAccessRule[] };
      };
      if (!acl?.aclState)
        call.fail({
          message: 'The security descriptor is not valid for this object.',
          category: 'InvalidArgument',
          reason: 'ArgumentException',
          errorId: 'SetAcl_OperationNotSupported',
        });
      w.acls[fs.stat(p.full).path.toLowerCase()] = {
        protected: acl.aclState!.protected,
        rules: [...acl.aclState!.rules],
      };
    },
  });

  // ---- local accounts --------------------------------------------------------------

  def({
    name: 'Get-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.GetLocalUserCommand',
    params: [
      { name: 'Name', type: 'string[]', position: 0, pipeline: true },
      { name: 'SID', type: 'string[]' },
    ],
    run: (call) => {
      const names = call.params.Name as string[] | undefined;
      if (!names) {
        for (const u of Object.values(w.users).sort((a, b) => a.name.localeCompare(b.name)))
          call.output(userObject(u));
        return;
      }
      for (const n of enumerate(names).map(toStr)) {
        if (/[*?]/.test(n)) {
          const re = wildcard(n);
          for (const u of Object.values(w.users).filter((x) => re.test(x.name))) call.output(userObject(u));
          continue;
        }
        const u = findUser(n);
        if (u) call.output(userObject(u));
        else userNotFound(call, n);
      }
    },
  });

  def({
    name: 'New-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.NewLocalUserCommand',
    params: [
      { name: 'Name', type: 'string', position: 0, mandatory: true, maxLength: 20 },
      { name: 'Password', type: 'securestring' },
      { name: 'NoPassword', type: 'switch' },
      { name: 'FullName', type: 'string' },
      { name: 'Description', type: 'string', maxLength: 48 },
      { name: 'AccountExpires', type: 'object' },
      { name: 'AccountNeverExpires', type: 'switch' },
      { name: 'PasswordNeverExpires', type: 'switch' },
      { name: 'UserMayNotChangePassword', type: 'switch' },
      { name: 'Disabled', type: 'switch' },
    ],
    run: (call) => {
      const name = toStr(call.params.Name);
      if (!call.bound.has('Password') && !call.params.NoPassword)
        call.fail({
          message: 'Cannot process command because of one or more missing mandatory parameters: Password.',
          category: 'InvalidArgument',
          reason: 'ParameterBindingException',
          errorId: 'MissingMandatoryParameter',
        });
      if (/["/\\[\]:;|=,+*?<>@]/.test(name) || /^\.+$|\.$/.test(name) || /^\s|\s$/.test(name))
        call.fail({
          message: `The name ${name} is invalid.`,
          category: 'InvalidArgument',
          targetName: name,
          reason: 'InvalidNameException',
          errorId: 'InvalidName',
        });
      if (findUser(name) || w.groups[name.toLowerCase()])
        call.fail({
          message: findUser(name) ? `User ${name} already exists.` : `Group ${name} already exists.`,
          category: 'ResourceExists',
          targetName: name,
          reason: 'UserExistsException',
          errorId: 'UserExists',
        });
      const password = call.params.Password as PsSecureString | undefined;
      if (password && !passwordOk(password.plain, name)) invalidPassword(call, name);
      const user: WindowsLocalUser = {
        name,
        fullName: toStr(call.params.FullName ?? ''),
        description: toStr(call.params.Description ?? ''),
        enabled: !call.params.Disabled,
        ...(password ? { passwordHash: hashPassword(password.plain) } : {}),
        passwordNeverExpires: Boolean(call.params.PasswordNeverExpires),
        accountExpires: null,
        userMayChangePassword: !call.params.UserMayNotChangePassword,
        passwordLastSet: Date.now(),
        sid: `${w.machineSid}-${w.nextRid++}`,
      };
      w.users[name.toLowerCase()] = user;
      call.output(userObject(user));
    },
  });

  const userByParam = (call: CmdletCall): WindowsLocalUser | undefined => {
    const input = call.params.InputObject;
    const name = input instanceof PsObject ? toStr(input.get('Name').value) : toStr(call.params.Name ?? '');
    const u = findUser(name);
    if (!u) userNotFound(call, name);
    return u;
  };

  def({
    name: 'Set-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.SetLocalUserCommand',
    params: [
      { name: 'Name', type: 'string', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'SID', type: 'string' },
      { name: 'Password', type: 'securestring' },
      { name: 'FullName', type: 'string' },
      { name: 'Description', type: 'string', maxLength: 48 },
      { name: 'AccountExpires', type: 'object' },
      { name: 'AccountNeverExpires', type: 'switch' },
      { name: 'PasswordNeverExpires', type: 'bool' },
      { name: 'UserMayChangePassword', type: 'bool' },
    ],
    perItem: true,
    run: (call) => {
      const u = userByParam(call);
      if (!u) return;
      const password = call.params.Password as PsSecureString | undefined;
      if (password) {
        if (!passwordOk(password.plain, u.name)) invalidPassword(call, u.name);
        u.passwordHash = hashPassword(password.plain);
        u.passwordLastSet = Date.now();
      }
      if (call.bound.has('FullName')) u.fullName = toStr(call.params.FullName);
      if (call.bound.has('Description')) u.description = toStr(call.params.Description);
      if (call.params.AccountNeverExpires) u.accountExpires = null;
      if (call.bound.has('PasswordNeverExpires'))
        u.passwordNeverExpires = Boolean(call.params.PasswordNeverExpires);
      if (call.bound.has('UserMayChangePassword'))
        u.userMayChangePassword = Boolean(call.params.UserMayChangePassword);
    },
  });

  for (const [verb, enabled] of [
    ['Enable', true],
    ['Disable', false],
  ] as const) {
    def({
      name: `${verb}-LocalUser`,
      module: LOCAL_ACCOUNTS,
      className: `Microsoft.PowerShell.Commands.${verb}LocalUserCommand`,
      params: [
        { name: 'Name', type: 'string', position: 0 },
        { name: 'InputObject', type: 'object', pipeline: true },
      ],
      perItem: true,
      run: (call) => {
        const u = userByParam(call);
        if (u) u.enabled = enabled;
      },
    });
  }

  def({
    name: 'Remove-LocalUser',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.RemoveLocalUserCommand',
    params: [
      { name: 'Name', type: 'string', position: 0 },
      { name: 'InputObject', type: 'object', pipeline: true },
    ],
    perItem: true,
    run: (call) => {
      const u = userByParam(call);
      if (!u) return;
      delete w.users[u.name.toLowerCase()];
      for (const g of Object.values(w.groups))
        g.members = g.members.filter((m) => m.toLowerCase() !== u.name.toLowerCase());
    },
  });

  def({
    name: 'Get-LocalGroup',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.GetLocalGroupCommand',
    params: [{ name: 'Name', type: 'string[]', position: 0 }],
    run: (call) => {
      const names = call.params.Name as string[] | undefined;
      const groups = Object.values(w.groups);
      const emit = (g: (typeof groups)[number]) =>
        call.output(
          new PsObject(
            'Microsoft.PowerShell.Commands.LocalGroup',
            {
              Name: g.name,
              Description: g.description,
              SID: g.sid,
              PrincipalSource: 'Local',
              ObjectClass: 'Group',
            },
            () => g.name,
          ),
        );
      if (!names) groups.forEach(emit);
      else
        for (const n of names) {
          const g = w.groups[n.toLowerCase()];
          if (g) emit(g);
          else groupNotFound(call, n);
        }
    },
  });

  const groupParam = (call: CmdletCall) => {
    const raw = call.params.Group ?? call.params.Name;
    const name = raw instanceof PsObject ? toStr(raw.get('Name').value) : toStr(raw);
    const g = w.groups[name.replace(/^BUILTIN\\/i, '').toLowerCase()];
    if (!g) groupNotFound(call, name);
    return g;
  };

  def({
    name: 'Get-LocalGroupMember',
    module: LOCAL_ACCOUNTS,
    className: 'Microsoft.PowerShell.Commands.GetLocalGroupMemberCommand',
    params: [
      { name: 'Group', type: 'object', position: 0 },
      { name: 'Name', type: 'string' },
      { name: 'Member', type: 'string', position: 1 },
    ],
    run: (call) => {
      if (!call.bound.has('Group') && !call.bound.has('Name'))
        call.fail({
          message: 'Cannot process command because of one or more missing mandatory parameters: Group.',
          category: 'InvalidArgument',
          reason: 'ParameterBindingException',
          errorId: 'MissingMandatoryParameter',
        });
      const g = groupParam(call);
      if (!g) return;
      const filter =
        call.params.Member === undefined
          ? undefined
          : wildcard(toStr(call.params.Member).replace(/^.*\\/, ''));
      for (const m of g.members) {
        if (filter && !filter.test(m)) continue;
        const u = w.users[m.toLowerCase()];
        const full = `${computer()}\\${u?.name ?? m}`;
        call.output(
          new PsObject(
            'Microsoft.PowerShell.Commands.LocalPrincipal',
            { Name: full, SID: u?.sid ?? '', PrincipalSource: 'Local', ObjectClass: 'User' },
            () => full,
          ),
        );
      }
    },
  });

  for (const [verb, add] of [
    ['Add', true],
    ['Remove', false],
  ] as const) {
    def({
      name: `${verb}-LocalGroupMember`,
      module: LOCAL_ACCOUNTS,
      className: `Microsoft.PowerShell.Commands.${verb}LocalGroupMemberCommand`,
      params: [
        { name: 'Group', type: 'object', position: 0 },
        { name: 'Name', type: 'string' },
        { name: 'SID', type: 'string' },
        { name: 'Member', type: 'object[]', position: 1, mandatory: true, pipeline: true },
      ],
      run: (call) => {
        if (!call.bound.has('Group') && !call.bound.has('Name'))
          call.fail({
            message: 'Cannot process command because of one or more missing mandatory parameters: Group.',
            category: 'InvalidArgument',
            reason: 'ParameterBindingException',
            errorId: 'MissingMandatoryParameter',
          });
        const g = groupParam(call);
        if (!g) return;
        for (const raw of enumerate(call.params.Member).flatMap((m) => enumerate(m))) {
          const given = raw instanceof PsObject ? toStr(raw.get('Name').value) : toStr(raw);
          const u = findUser(given);
          if (!u) {
            call.writeError({
              message: `Principal ${given} was not found.`,
              category: 'ObjectNotFound',
              targetName: given,
              reason: 'PrincipalNotFoundException',
              errorId: 'PrincipalNotFound',
            });
            continue;
          }
          const member = g.members.find((m) => m.toLowerCase() === u.name.toLowerCase());
          if (add && member) {
            call.writeError({
              message: `${computer()}\\${u.name} is already a member of group ${g.name}.`,
              category: 'ResourceExists',
              targetName: g.name,
              targetType: 'LocalGroup',
              reason: 'MemberExistsException',
              errorId: 'MemberExists',
            });
            continue;
          }
          if (!add && !member) {
            call.writeError({
              message: `Member ${given} was not found in group ${g.name}.`,
              category: 'ObjectNotFound',
              targetName: given,
              reason: 'MemberNotFoundException',
              errorId: 'MemberNotFound',
            });
            continue;
          }
          if (add) g.members.push(u.name);
          else g.members = g.members.filter((m) => m !== member);
        }
      },
    });
  }

  // ---- files and items ----------------------------------------------------------------

  const itemObject = (full: string) => {
    const st = fs.stat(full);
    const name = fs.basename(st.path) || st.path;
    return new PsObject(
      st.type === 'dir' ? 'System.IO.DirectoryInfo' : 'System.IO.FileInfo',
      {
        Name: name,
        FullName: st.path,
        PSIsContainer: st.type === 'dir',
        ...(st.type === 'dir' ? {} : { Length: st.size }),
        LastWriteTime: new Date(st.mtime * 1000).toISOString(),
      },
      () => name,
    );
  };

  def({
    name: 'Test-Path',
    className: 'Microsoft.PowerShell.Commands.TestPathCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      {
        name: 'PathType',
        type: 'string',
        enumType: {
          name: 'Microsoft.PowerShell.Commands.TestPathType',
          values: ['Any', 'Container', 'Leaf'],
        },
      },
      { name: 'IsValid', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider === 'env') {
        call.output(s.env.has(p.full.toLowerCase()));
        return;
      }
      if (p.provider !== 'fs') {
        call.output(false);
        return;
      }
      if (call.params.IsValid) {
        call.output(!/[<>"|?*]/.test(p.full.slice(2)));
        return;
      }
      let st: ReturnType<GuestFs['stat']> | undefined;
      try {
        st = fs.stat(p.full);
      } catch {
        st = undefined;
      }
      const type = toStr(call.params.PathType ?? 'Any');
      call.output(st !== undefined && (type === 'Any' || (type === 'Container') === (st.type === 'dir')));
    },
  });

  def({
    name: 'Split-Path',
    className: 'Microsoft.PowerShell.Commands.SplitPathCommand',
    params: [
      path('Path', 0, { pipeline: true }),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Parent', type: 'switch' },
      { name: 'Leaf', type: 'switch' },
      { name: 'Qualifier', type: 'switch' },
      { name: 'NoQualifier', type: 'switch' },
    ],
    run: (call) => {
      const raw = toStr(call.params.LiteralPath ?? call.params.Path).replace(/[\\/]+$/, '');
      const i = Math.max(raw.lastIndexOf('\\'), raw.lastIndexOf('/'));
      if (call.params.Leaf) call.output(i < 0 ? raw : raw.slice(i + 1));
      else if (call.params.Qualifier) call.output(/^[A-Za-z]:/.exec(raw)?.[0] ?? '');
      else if (call.params.NoQualifier) call.output(raw.replace(/^[A-Za-z]:/, ''));
      else call.output(i < 0 ? '' : i === 2 && /^[A-Za-z]:/.test(raw) ? raw.slice(0, 3) : raw.slice(0, i));
    },
  });

  def({
    name: 'Join-Path',
    className: 'Microsoft.PowerShell.Commands.JoinPathCommand',
    params: [
      path('Path', 0, { mandatory: true }),
      { name: 'ChildPath', type: 'string', position: 1, mandatory: true },
    ],
    run: (call) =>
      call.output(
        `${toStr(call.params.Path).replace(/\\+$/, '')}\\${toStr(call.params.ChildPath).replace(/^\\+/, '')}`,
      ),
  });

  def({
    name: 'New-Item',
    className: 'Microsoft.PowerShell.Commands.NewItemCommand',
    params: [
      { name: 'Path', type: 'string[]', position: 0 },
      { name: 'Name', type: 'string' },
      { name: 'ItemType', type: 'string', aliases: ['Type'] },
      { name: 'Value', type: 'object', pipeline: true },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const base = enumerate(call.params.Path ?? [s.cwd]).map(toStr)[0] ?? s.cwd;
      const full = fs.normalise(
        call.params.Name !== undefined ? `${base}\\${toStr(call.params.Name)}` : base,
        s.cwd,
      );
      const type = toStr(call.params.ItemType ?? 'File').toLowerCase();
      const force = Boolean(call.params.Force);
      if (type === 'directory') {
        if (fs.exists(full)) {
          if (!force || fs.stat(full).type !== 'dir') {
            call.writeError({
              message: `An item with the specified name ${full} already exists.`,
              category: 'ResourceExists',
              targetName: full,
              reason: 'IOException',
              errorId: 'DirectoryExist',
            });
            return;
          }
        } else fs.mkdir(full, { recursive: true });
        call.output(itemObject(full));
        return;
      }
      if (type === 'file') {
        const parent = full.slice(0, full.lastIndexOf('\\')) || full.slice(0, 3);
        if (fs.exists(full) && !force) {
          call.writeError({
            message: `The file '${full}' already exists.`,
            category: 'WriteError',
            targetName: full,
            reason: 'IOException',
            errorId: 'NewItemIOError',
          });
          return;
        }
        if (!fs.exists(parent)) {
          if (!force) {
            call.writeError({
              message: `Could not find a part of the path '${full}'.`,
              category: 'WriteError',
              targetName: full,
              reason: 'DirectoryNotFoundException',
              errorId: 'NewItemIOError',
            });
            return;
          }
          fs.mkdir(parent, { recursive: true });
        }
        const value = call.params.Value === undefined ? '' : toStr(call.params.Value);
        fs.writeFile(full, encodeText(value, 'Default'));
        call.output(itemObject(full));
        return;
      }
      call.fail({
        message: `The pvecdk guest emulator creates only files and directories, not '${type}' items.`,
        category: 'NotImplemented',
        reason: 'NotImplementedException',
        errorId: 'PvecdkEmulatorNotImplemented',
      });
    },
  });

  def({
    name: 'Remove-Item',
    className: 'Microsoft.PowerShell.Commands.RemoveItemCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Recurse', type: 'switch' },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider === 'env') {
        if (!s.env.has(p.full.toLowerCase())) {
          pathNotFound(call, p.full);
          return;
        }
        s.env.delete(p.full.toLowerCase());
        return;
      }
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.provider === 'fs' ? p.full : p.raw);
        return;
      }
      const st = fs.stat(p.full);
      if (st.type === 'dir') {
        if (fs.readdir(p.full).length && !call.params.Recurse)
          call.fail({
            message:
              'Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.',
            category: 'InvalidOperation',
            reason: 'PSInvalidOperationException',
            errorId: 'InvalidOperation',
          });
        fs.rmdir(p.full, { recursive: true });
      } else fs.unlink(p.full);
    },
  });

  for (const [name, move] of [
    ['Copy-Item', false],
    ['Move-Item', true],
  ] as const) {
    def({
      name,
      className: `Microsoft.PowerShell.Commands.${move ? 'Move' : 'Copy'}ItemCommand`,
      params: [
        path('Path', 0),
        path('LiteralPath', undefined, { aliases: ['PSPath'] }),
        { name: 'Destination', type: 'string', position: 1 },
        { name: 'Force', type: 'switch' },
        { name: 'Recurse', type: 'switch' },
      ],
      run: (call) => {
        const p = pathArg(call)!;
        if (p.provider !== 'fs' || !fs.exists(p.full)) {
          pathNotFound(call, p.full);
          return;
        }
        let dest = fs.normalise(toStr(call.params.Destination ?? s.cwd), s.cwd);
        if (fs.exists(dest) && fs.stat(dest).type === 'dir') dest = `${dest}\\${fs.basename(p.full)}`;
        if (fs.exists(dest) && !call.params.Force) {
          call.writeError({
            message: move
              ? 'Cannot create a file when that file already exists.'
              : `The file '${dest}' already exists.`,
            category: 'WriteError',
            targetName: dest,
            reason: 'IOException',
            errorId: move ? 'MoveFileInfoItemIOError' : 'CopyFileInfoItemIOError',
          });
          return;
        }
        if (move) fs.rename(p.full, dest);
        else fs.writeFile(dest, fs.readFile(p.full));
      },
    });
  }

  def({
    name: 'Get-Item',
    className: 'Microsoft.PowerShell.Commands.GetItemCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) pathNotFound(call, p.full);
      else call.output(itemObject(p.full));
    },
  });

  def({
    name: 'Get-ChildItem',
    className: 'Microsoft.PowerShell.Commands.GetChildItemCommand',
    params: [
      { name: 'Path', type: 'string', position: 0 },
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Force', type: 'switch' },
      { name: 'File', type: 'switch' },
      { name: 'Directory', type: 'switch' },
      { name: 'Name', type: 'switch' },
    ],
    run: (call) => {
      const full = fs.normalise(toStr(call.params.LiteralPath ?? call.params.Path ?? s.cwd), s.cwd);
      if (!fs.exists(full)) {
        pathNotFound(call, full);
        return;
      }
      const st = fs.stat(full);
      const children =
        st.type === 'dir' ? fs.readdir(full).map((n) => `${st.path.replace(/\\$/, '')}\\${n}`) : [st.path];
      for (const c of children) {
        const isDir = fs.stat(c).type === 'dir';
        if ((call.params.File && isDir) || (call.params.Directory && !isDir)) continue;
        call.output(call.params.Name ? fs.basename(c) : itemObject(c));
      }
    },
  });

  def({
    name: 'Get-Content',
    className: 'Microsoft.PowerShell.Commands.GetContentCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'Raw', type: 'switch' },
      { name: 'Encoding', type: 'string', enumType: ENCODINGS },
      { name: 'TotalCount', type: 'int', aliases: ['First', 'Head'] },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider === 'env') {
        const v = s.env.get(p.full.toLowerCase());
        if (v) call.output(v.value);
        else pathNotFound(call, p.full, 'PathNotFound');
        return;
      }
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full);
        return;
      }
      if (fs.stat(p.full).type === 'dir') {
        call.writeError({
          message: `Unable to get content because it is a directory: '${p.full}'. Please use 'Get-ChildItem' instead.`,
          category: 'InvalidOperation',
          targetName: p.full,
          reason: 'UnauthorizedAccessException',
          errorId: 'GetContentReaderUnauthorizedAccessError',
        });
        return;
      }
      const data = fs.readFile(p.full);
      const text = decodeText(data);
      if (call.params.Raw) {
        if (text.length) call.output(text);
        return;
      }
      const lines = text.split(/\r?\n/);
      if (lines[lines.length - 1] === '') lines.pop();
      const limit = call.params.TotalCount === undefined ? lines.length : Number(call.params.TotalCount);
      for (const l of lines.slice(0, limit)) call.output(l);
    },
  });

  for (const [name, append] of [
    ['Set-Content', false],
    ['Add-Content', true],
  ] as const) {
    def({
      name,
      className: `Microsoft.PowerShell.Commands.${append ? 'Add' : 'Set'}ContentCommand`,
      params: [
        path('Path', 0),
        path('LiteralPath', undefined, { aliases: ['PSPath'] }),
        { name: 'Value', type: 'object[]', position: 1, pipeline: true },
        { name: 'NoNewline', type: 'switch' },
        { name: 'Encoding', type: 'string', enumType: ENCODINGS },
        { name: 'Force', type: 'switch' },
      ],
      run: (call) =>
        writeContent(call, append ? 'append' : 'replace', toStr(call.params.Encoding ?? 'Default')),
    });
  }

  def({
    name: 'Out-File',
    className: 'Microsoft.PowerShell.Commands.OutFileCommand',
    params: [
      { name: 'FilePath', type: 'string', position: 0, aliases: ['Path'], notNull: true },
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'Encoding', type: 'string', position: 1, enumType: ENCODINGS },
      { name: 'Append', type: 'switch' },
      { name: 'NoNewline', type: 'switch' },
      { name: 'Force', type: 'switch' },
    ],
    run: (call) => {
      const params = { ...call.params, Path: call.params.FilePath, Value: call.params.InputObject };
      const bound = new Set(call.bound);
      if (bound.has('FilePath')) bound.add('Path');
      writeContent(
        { ...call, params, bound },
        call.params.Append ? 'append' : 'replace',
        toStr(call.params.Encoding ?? 'Unicode'),
      );
    },
  });

  function writeContent(call: CmdletCall, mode: 'append' | 'replace', encoding: string): void {
    const p = pathArg(call)!;
    if (p.provider === 'env') {
      s.env.set(p.full.toLowerCase(), {
        name: p.full,
        value: enumerate(call.params.Value).map(toStr).join(''),
      });
      return;
    }
    if (p.provider !== 'fs') {
      pathNotFound(call, p.raw);
      return;
    }
    const parent = p.full.slice(0, p.full.lastIndexOf('\\')) || p.full.slice(0, 3);
    if (!fs.exists(parent)) {
      call.writeError({
        message: `Could not find a part of the path '${p.full}'.`,
        category: 'ObjectNotFound',
        targetName: p.full,
        reason: 'DirectoryNotFoundException',
        errorId: 'GetContentWriterDirectoryNotFoundError',
      });
      return;
    }
    if (fs.exists(p.full) && fs.stat(p.full).type === 'dir') {
      call.writeError({
        message: `Access to the path '${p.full}' is denied.`,
        category: 'PermissionDenied',
        targetName: p.full,
        reason: 'UnauthorizedAccessException',
        errorId: 'GetContentWriterUnauthorizedAccessError',
      });
      return;
    }
    const values = enumerate(call.params.Value);
    const text = call.params.NoNewline
      ? values.map(toStr).join('')
      : values.map((v) => `${toStr(v)}\r\n`).join('');
    if (mode === 'append' && fs.exists(p.full)) {
      const existing = fs.readFile(p.full);
      // Appending keeps the file's encoding and adds no second BOM.
      const bom = existing[0] === 0xef ? 'UTF8' : existing[0] === 0xff ? 'Unicode' : encoding;
      const encoded = encodeText(text, bom);
      const body = bom === 'UTF8' ? encoded.subarray(3) : bom === 'Unicode' ? encoded.subarray(2) : encoded;
      fs.writeFile(p.full, Buffer.concat([existing, body]));
      return;
    }
    fs.writeFile(p.full, encodeText(text, encoding));
  }

  def({
    name: 'Get-FileHash',
    className: 'Microsoft.PowerShell.Commands.GetFileHashCommand',
    params: [
      path('Path', 0),
      path('LiteralPath', undefined, { aliases: ['PSPath'] }),
      {
        name: 'Algorithm',
        type: 'string',
        enumType: { name: 'System.String', values: ['SHA1', 'SHA256', 'SHA384', 'SHA512', 'MD5'] },
      },
    ],
    run: (call) => {
      const p = pathArg(call)!;
      if (p.provider !== 'fs' || !fs.exists(p.full)) {
        pathNotFound(call, p.full, 'FileNotFound');
        return;
      }
      const algorithm = toStr(call.params.Algorithm ?? 'SHA256');
      const hash = createHash(algorithm.toLowerCase())
        .update(fs.readFile(p.full))
        .digest('hex')
        .toUpperCase();
      call.output(
        new PsObject('Microsoft.Powershell.Utility.FileHash', {
          Algorithm: algorithm,
          Hash: hash,
          Path: fs.stat(p.full).path,
        }),
      );
    },
  });

  def({
    name: 'Start-Sleep',
    className: 'Microsoft.PowerShell.Commands.StartSleepCommand',
    params: [
      { name: 'Seconds', type: 'int', position: 0, aliases: ['s'] },
      { name: 'Milliseconds', type: 'int', aliases: ['m'] },
    ],
    run: () => {},
  });

  def({
    name: 'Write-Warning',
    className: 'Microsoft.PowerShell.Commands.WriteWarningCommand',
    params: [{ name: 'Message', type: 'string', position: 0, mandatory: true, pipeline: true }],
    run: (call) => {
      const host = call.interp.host as typeof call.interp.host & { writeWarning?: (text: string) => void };
      host.writeWarning?.(toStr(enumerate(call.params.Message)[0]));
    },
  });

  def({
    name: 'Write-Verbose',
    className: 'Microsoft.PowerShell.Commands.WriteVerboseCommand',
    params: [{ name: 'Message', type: 'string', position: 0, mandatory: true, pipeline: true }],
    run: () => {},
  });

  // ---- firewall (NetSecurity, CDXML cmdlets: the class is the cmdlet name) ----------------

  def({
    name: 'Get-NetFirewallRule',
    module: NET_SECURITY,
    className: 'Get-NetFirewallRule',
    params: [
      { name: 'Name', type: 'string[]', position: 0, aliases: ['ID'] },
      { name: 'DisplayName', type: 'string[]' },
      { name: 'Group', type: 'string[]' },
      { name: 'All', type: 'switch' },
      { name: 'PolicyStore', type: 'string' },
    ],
    run: (call) => {
      for (const r of rulesFromCall(call)) call.output(firewallObject(r));
    },
  });

  def({
    name: 'New-NetFirewallRule',
    module: NET_SECURITY,
    className: 'New-NetFirewallRule',
    params: firewallParams([
      { name: 'DisplayName', type: 'string', position: 0, mandatory: true },
      { name: 'Name', type: 'string', aliases: ['ID'] },
      { name: 'Group', type: 'string' },
      { name: 'PolicyStore', type: 'string' },
    ]),
    run: (call) => {
      const name = call.params.Name === undefined ? `{${randomUUID()}}` : toStr(call.params.Name);
      if (w.firewallRules.some((r) => r.name.toLowerCase() === name.toLowerCase()))
        call.fail({
          message: 'Cannot create a file when that file already exists.',
          category: 'ResourceExists',
          targetName: 'MSFT_NetFirewallRule',
          targetType: 'root/standardcimv2/MSFT_NetFirewallRule',
          reason: 'CimException',
          errorId: 'Windows System Error 183',
        });
      const rule: WindowsFirewallRule = {
        name,
        displayName: toStr(call.params.DisplayName),
        group: toStr(call.params.Group ?? ''),
        description: '',
        enabled: true,
        direction: 'Inbound',
        action: 'Allow',
        protocol: 'Any',
        localPort: ['Any'],
        remotePort: ['Any'],
        localAddress: ['Any'],
        remoteAddress: ['Any'],
        profile: 'Any',
      };
      applyFirewallProps({ ...call, bound: new Set([...call.bound].filter((b) => b !== 'Group')) }, rule);
      w.firewallRules.push(rule);
      call.output(firewallObject(rule));
    },
  });

  def({
    name: 'Set-NetFirewallRule',
    module: NET_SECURITY,
    className: 'Set-NetFirewallRule',
    params: firewallParams([
      { name: 'Name', type: 'string[]', position: 0, aliases: ['ID'] },
      { name: 'DisplayName', type: 'string[]' },
      { name: 'NewDisplayName', type: 'string' },
      { name: 'Group', type: 'string[]' },
      { name: 'InputObject', type: 'object', pipeline: true },
      { name: 'PassThru', type: 'switch' },
    ]),
    run: (call) => {
      for (const r of rulesFromCall(call)) {
        const copy = structuredClone(r);
        applyFirewallProps(
          {
            ...call,
            bound: new Set(
              [...call.bound].filter((b) => b !== 'Group' && b !== 'DisplayName' && b !== 'Name'),
            ),
          },
          copy,
        );
        Object.assign(r, copy);
        if (call.params.PassThru) call.output(firewallObject(r));
      }
    },
  });

  for (const [verb, change] of [
    ['Remove', 'remove'],
    ['Enable', 'enable'],
    ['Disable', 'disable'],
  ] as const) {
    def({
      name: `${verb}-NetFirewallRule`,
      module: NET_SECURITY,
      className: `${verb}-NetFirewallRule`,
      params: [
        { name: 'Name', type: 'string[]', position: 0, aliases: ['ID'] },
        { name: 'DisplayName', type: 'string[]' },
        { name: 'Group', type: 'string[]' },
        { name: 'InputObject', type: 'object', pipeline: true },
      ],
      run: (call) => {
        for (const r of rulesFromCall(call)) {
          if (change === 'remove') w.firewallRules.splice(w.firewallRules.indexOf(r), 1);
          else r.enabled = change === 'enable';
        }
      },
    });
  }

  for (const [name, build] of [
    [
      'Get-NetFirewallAddressFilter',
      (r: WindowsFirewallRule) =>
        new PsObject(
          'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetAddressFilter',
          {
            LocalAddress: scalarOrArray(r.localAddress),
            RemoteAddress: scalarOrArray(r.remoteAddress),
            LocalIP: scalarOrArray(r.localAddress),
            RemoteIP: scalarOrArray(r.remoteAddress),
          },
        ),
    ],
    [
      'Get-NetFirewallPortFilter',
      (r: WindowsFirewallRule) =>
        new PsObject(
          'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetProtocolPortFilter',
          {
            Protocol: r.protocol,
            LocalPort: scalarOrArray(r.localPort),
            RemotePort: scalarOrArray(r.remotePort),
            IcmpType: 'Any',
            DynamicTarget: 'Any',
          },
        ),
    ],
  ] as const) {
    def({
      name,
      module: NET_SECURITY,
      className: name,
      perItem: true,
      params: [
        { name: 'AssociatedNetFirewallRule', type: 'object', pipeline: true },
        { name: 'All', type: 'switch' },
      ],
      run: (call) => {
        const target = call.params.AssociatedNetFirewallRule;
        const rules = target
          ? enumerate(target)
              .map((o) =>
                o instanceof PsObject
                  ? w.firewallRules.find((r) => r.name === toStr(o.get('Name').value))
                  : undefined,
              )
              .filter((r): r is WindowsFirewallRule => r !== undefined)
          : w.firewallRules;
        for (const r of rules) call.output(build(r));
      },
    });
  }

  return new Map(defs.map((d) => [d.name.toLowerCase(), d]));
}
