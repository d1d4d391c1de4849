import type { PolicyFinding, PolicyRule } from '../policy-rule.ts';

/** Guest changes that can cut the platform off (router config, VPN users) must be snapshot-protected. */
const CRITICAL_TYPES = new Set(['pvecdk_pfsense_config', 'pvecdk_vpn_user']);

export const criticalSnapshot: PolicyRule = {
  id: 'PVECDK-CRITICAL-SNAPSHOT',
  title: 'Every critical guest change is snapshot-protected (snapshot before, rollback on failure)',
  check(context) {
    const findings: PolicyFinding[] = [];
    for (const s of context.subjects) {
      const onRouter = s.type.startsWith('pvecdk_') && s.role?.role === 'router';
      if (!CRITICAL_TYPES.has(s.type) && !onRouter) continue;
      if (!s.resource.isCritical) {
        findings.push({
          construct: s.resource,
          message: `${s.type} changes the ${onRouter ? 'router' : 'platform'} without a snapshot to roll back to`,
          hint: 'call resource.markCritical() (the typed pvecdk_* classes do this for you)',
        });
      } else if ((s.resource.snapshotRetention ?? 1) < 1) {
        findings.push({
          construct: s.resource,
          message: `${s.type} keeps no snapshot after a change`,
          hint: 'keep at least one snapshot (snapshotRetention >= 1)',
        });
      }
    }
    return findings;
  },
};
