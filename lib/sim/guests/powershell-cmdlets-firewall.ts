import { randomUUID } from 'node:crypto';
import type { CmdletContext } from './powershell-cmdlet-context.ts';
import type { CmdletCall, ParamDef } from './powershell-interpreter.ts';
import { enumerate, PsObject, toStr, wildcard } from './powershell-values.ts';
import type { WindowsFirewallRule } from './windows-state.ts';

const NET_SECURITY = 'NetSecurity';

/**
 * The SDDL a rule's local-user condition takes: a DACL of allow entries
 * (`D:(A;;CC;;;<SID>)`, one per account or group), as New-NetFirewallRule
 * -LocalUser accepts it and Get-NetFirewallSecurityFilter gives it back.
 */
export const LOCAL_USER_SDDL = /^D:(\(A;;CC;;;S-1-\d+(-\d+)+\))+$/;

/** Windows Defender Firewall rules (NetSecurity, CDXML cmdlets: the class is the cmdlet name). */
export function firewallCmdlets(c: CmdletContext): void {
  const { w, def } = c;
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

  const invalidSecurityDescriptor = (call: CmdletCall) =>
    call.fail({
      message: 'The security descriptor structure is invalid.',
      category: 'InvalidArgument',
      reason: 'CimException',
      errorId: 'Windows System Error 1338',
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
      const out: WindowsFirewallRule[] = [];
      for (const g of call.params.Group as string[]) {
        const re = wildcard(g);
        const hits = w.firewallRules.filter((r) => re.test(r.group));
        if (!hits.length && !/[*?[]/.test(g)) firewallNotFound(call, 'Group', g);
        out.push(...hits.filter((h) => !out.includes(h)));
      }
      return out;
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
    if (call.bound.has('LocalUser')) {
      const sddl = toStr(p.LocalUser);
      if (sddl.toLowerCase() === 'any') delete r.localUser;
      else if (!LOCAL_USER_SDDL.test(sddl)) invalidSecurityDescriptor(call);
      else r.localUser = sddl;
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
    { name: 'LocalUser', type: 'string' },
  ];

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
}
