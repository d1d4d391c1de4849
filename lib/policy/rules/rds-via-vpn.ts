import { Reference } from '../../core/reference.ts';
import type { PolicyFinding, PolicyRule } from '../policy-rule.ts';
import { blockWithin, isAnySource } from '../private/addresses.ts';
import { portSpecIncludes } from '../private/ports.ts';

interface FirewallRuleData {
  type?: string;
  action?: string;
  source?: unknown;
  dport?: unknown;
  comment?: string;
  enabled?: boolean;
}

/**
 * Customers reach the RDS host only through the VPN: each RDS user has a VPN
 * user, and the RDS host's firewall admits 3389 only from the tunnel network.
 */
export const rdsViaVpn: PolicyRule = {
  id: 'PVECDK-RDS-VIA-VPN',
  title: 'Every customer user reaches the RDS host only through the VPN',
  check(context) {
    const findings: PolicyFinding[] = [];
    const vpnUsers = new Set(context.ofType('pvecdk_vpn_user').map((s) => String(s.properties.user_name)));
    for (const s of context.ofType('pvecdk_rds_user')) {
      const name = String(s.properties.user_name);
      if (!vpnUsers.has(name)) {
        findings.push({
          construct: s.resource,
          message: `RDS user ${name} has no VPN access, so they could only log on if RDP were open`,
          hint: 'give the user vpn: true (every RDS user connects through the VPN first)',
        });
      }
    }
    for (const s of context.ofType('proxmox_virtual_environment_firewall_rules')) {
      if (s.role?.role !== 'rds-host') continue;
      const vpnNetwork = s.role.attributes.vpnNetwork;
      for (const r of (s.properties.rule ?? []) as FirewallRuleData[]) {
        if (
          r.enabled === false ||
          r.type !== 'in' ||
          r.action !== 'ACCEPT' ||
          !portSpecIncludes(r.dport, 3389)
        )
          continue;
        if (Reference.isReference(r.source)) continue;
        if (isAnySource(r.source) || !blockWithin(r.source, vpnNetwork)) {
          findings.push({
            construct: s.resource,
            message: `RDS host firewall rule '${r.comment ?? ''}' admits RDP from ${String(r.source ?? 'anywhere')}, outside the VPN tunnel network ${vpnNetwork}`,
            hint: `admit 3389 only from the VPN tunnel network (${vpnNetwork})`,
          });
        }
      }
    }
    return findings;
  },
};
