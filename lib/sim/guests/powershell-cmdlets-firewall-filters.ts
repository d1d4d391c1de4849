import type { CmdletContext } from './powershell-cmdlet-context.ts';
import { enumerate, PsObject, toStr } from './powershell-values.ts';
import type { WindowsFirewallRule } from './windows-state.ts';

const NET_SECURITY = 'NetSecurity';
const CIM = 'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2';

const scalarOrArray = (v: string[]) => (v.length === 1 ? v[0] : [...v]);

/**
 * The filters of a firewall rule, each read from the rule piped in (or of
 * every rule): addresses, protocol and ports, and the security filter whose
 * LocalUser is the rule's local-user condition (an SDDL, or `Any`).
 */
export function firewallFilterCmdlets(c: CmdletContext): void {
  const { w, def } = c;
  for (const [name, build] of [
    [
      'Get-NetFirewallAddressFilter',
      (r: WindowsFirewallRule) =>
        new PsObject(`${CIM}/MSFT_NetAddressFilter`, {
          LocalAddress: scalarOrArray(r.localAddress),
          RemoteAddress: scalarOrArray(r.remoteAddress),
          LocalIP: scalarOrArray(r.localAddress),
          RemoteIP: scalarOrArray(r.remoteAddress),
        }),
    ],
    [
      'Get-NetFirewallPortFilter',
      (r: WindowsFirewallRule) =>
        new PsObject(`${CIM}/MSFT_NetProtocolPortFilter`, {
          Protocol: r.protocol,
          LocalPort: scalarOrArray(r.localPort),
          RemotePort: scalarOrArray(r.remotePort),
          IcmpType: 'Any',
          DynamicTarget: 'Any',
        }),
    ],
    [
      'Get-NetFirewallSecurityFilter',
      (r: WindowsFirewallRule) =>
        new PsObject(`${CIM}/MSFT_NetNetworkLayerSecurityFilter`, {
          Authentication: 'NotRequired',
          Encryption: 'NotRequired',
          OverrideBlockRules: 'False',
          LocalUser: r.localUser ?? 'Any',
          RemoteUser: 'Any',
          RemoteMachine: 'Any',
        }),
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
}
