import type { PolicyFinding, PolicyRule } from '../policy-rule.ts';

/** The LAN and DMZ bridges are internal switches: a physical port would put them on a real network. */
export const isolatedBridges: PolicyRule = {
  id: 'PVECDK-ISOLATED-BRIDGES',
  title: 'The LAN and DMZ bridges have no physical port',
  check(context) {
    const findings: PolicyFinding[] = [];
    for (const s of context.ofType('proxmox_virtual_environment_network_linux_bridge')) {
      const role = s.role?.role;
      if (role !== 'lan-bridge' && role !== 'dmz-bridge') continue;
      const ports = (s.properties.ports ?? []) as unknown[];
      if (ports.length > 0) {
        findings.push({
          construct: s.resource,
          message: `${role === 'lan-bridge' ? 'LAN' : 'DMZ'} bridge ${String(s.properties.name)} is bridged to ${ports.join(', ')}`,
          hint: 'remove the ports: only the WAN bridge (vmbr0) carries a physical NIC; pfSense routes between them',
        });
      }
    }
    return findings;
  },
};
