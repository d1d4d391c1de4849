import type { PolicyFinding, PolicyRule } from '../policy-rule.ts';
import { portSpecIncludes, protocolIncludesTcp } from '../private/ports.ts';

const RDP = 3389;

interface RuleData {
  interface?: string;
  type?: string;
  protocol?: string;
  destination_port?: string;
  description?: string;
}
interface ForwardData {
  interface?: string;
  protocol?: string;
  external_port?: string;
  target_port?: string;
  description?: string;
}

/** Remote Desktop is never reachable from the Internet: no port forward to it, no WAN rule passing it. */
export const noWanRdp: PolicyRule = {
  id: 'PVECDK-NO-WAN-RDP',
  title: 'RDP (3389) is not reachable from the WAN: no port forward, no WAN pass rule',
  check(context) {
    const findings: PolicyFinding[] = [];
    for (const s of context.ofType('pvecdk_pfsense_config')) {
      for (const f of (s.properties.port_forwards ?? []) as ForwardData[]) {
        if (
          protocolIncludesTcp(f.protocol) &&
          (portSpecIncludes(f.external_port, RDP) || portSpecIncludes(f.target_port, RDP))
        ) {
          findings.push({
            construct: s.resource,
            message: `port forward '${f.description ?? ''}' on ${f.interface} exposes RDP (${RDP}) to the Internet`,
            hint: 'remove the port forward; customers reach the RDS host through the VPN only',
          });
        }
      }
      for (const r of (s.properties.rules ?? []) as RuleData[]) {
        if (
          r.interface === 'wan' &&
          r.type === 'pass' &&
          protocolIncludesTcp(r.protocol) &&
          portSpecIncludes(r.destination_port, RDP)
        ) {
          findings.push({
            construct: s.resource,
            message: `WAN rule '${r.description ?? ''}' passes traffic to port ${RDP} (destination port ${r.destination_port ?? 'any'})`,
            hint: 'allow only the VPN port on the WAN; RDP is reached through the tunnel',
          });
        }
      }
    }
    return findings;
  },
};
