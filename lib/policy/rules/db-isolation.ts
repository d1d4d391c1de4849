import { Reference } from '../../core/reference.ts';
import type { PolicyFinding, PolicyRule } from '../policy-rule.ts';
import { blockWithin, isAnySource } from '../private/addresses.ts';

interface FirewallRuleData {
  type?: string;
  action?: string;
  source?: unknown;
  comment?: string;
  enabled?: boolean;
}

/**
 * A customer's DB VM admits only the RDS host (and the management source):
 * never VPN clients directly, never another customer's VMs. Its VM firewall
 * must be on with a DROP input policy, and every NIC must pass through it.
 */
export const dbIsolation: PolicyRule = {
  id: 'PVECDK-DB-ISOLATION',
  title: 'DB VMs are reachable only from the RDS host: not from VPN clients, not from other customers',
  check(context) {
    const findings: PolicyFinding[] = [];
    const dbAddresses = new Map<string, string>();
    for (const s of context.withRole('customer-db')) {
      if (s.role?.attributes.address)
        dbAddresses.set(s.role.attributes.address, s.role.attributes.customer ?? '?');
    }
    for (const s of context.withRole('customer-db')) {
      const attrs = s.role!.attributes;
      const allowed = [attrs.rdsAddress, attrs.managementSource].filter((x): x is string => Boolean(x));
      if (s.type === 'proxmox_virtual_environment_firewall_rules') {
        for (const r of (s.properties.rule ?? []) as FirewallRuleData[]) {
          if (
            r.enabled === false ||
            r.type !== 'in' ||
            r.action !== 'ACCEPT' ||
            Reference.isReference(r.source)
          )
            continue;
          if (allowed.some((a) => blockWithin(r.source, a))) continue;
          const other = [...dbAddresses].find(([addr]) => blockWithin(addr, r.source));
          const why = isAnySource(r.source)
            ? 'admits everyone'
            : blockWithin(r.source, attrs.vpnNetwork)
              ? `admits VPN clients (${String(r.source)}) directly`
              : other && other[1] !== attrs.customer
                ? `admits customer ${other[1]}'s VM (${String(r.source)})`
                : `admits ${String(r.source)}, which is not the RDS host`;
          findings.push({
            construct: s.resource,
            message: `DB firewall rule '${r.comment ?? ''}' of customer ${attrs.customer} ${why}`,
            hint: `admit only the RDS host (${attrs.rdsAddress}) on the 4D ports`,
          });
        }
      }
      if (s.type === 'proxmox_virtual_environment_firewall_options') {
        if (s.properties.enabled !== true || (s.properties.input_policy ?? 'DROP') !== 'DROP') {
          findings.push({
            construct: s.resource,
            message: `the VM firewall of customer ${attrs.customer}'s DB VM is not enforcing (enabled must be true, input_policy DROP)`,
            hint: 'set enabled: true and inputPolicy: "DROP"',
          });
        }
      }
      if (s.type === 'proxmox_virtual_environment_vm') {
        const nics = (s.properties.network_device ?? []) as Array<{ firewall?: boolean; bridge?: string }>;
        for (const [i, nic] of nics.entries()) {
          if (nic.firewall !== true) {
            findings.push({
              construct: s.resource,
              message: `network device ${i} (${nic.bridge ?? '?'}) of customer ${attrs.customer}'s DB VM bypasses the VM firewall`,
              hint: 'set firewall: true on every network device',
            });
          }
        }
      }
    }
    return findings;
  },
};
