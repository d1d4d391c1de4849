import type { PlanTypeDefinition } from './plan-type.ts';
import { aclType, roleType, userTokenType, userType } from './types/access.ts';
import { backupJobType, fileType, haResourceType, poolType } from './types/datacenter.ts';
import {
  firewallAliasType,
  firewallIpsetType,
  firewallOptionsType,
  firewallRulesType,
} from './types/firewall.ts';
import {
  guestCommandType,
  guestFileType,
  pfsenseConfigType,
  rdsShortcutType,
  rdsUserType,
  vpnUserType,
} from './types/guest.ts';
import { linuxBridgeType } from './types/network-linux-bridge.ts';
import { vmType } from './types/vm.ts';

/** Every plan type pvecdk knows, by type name: synthesis and the engine read the same contracts. */
export const PLAN_TYPES: ReadonlyMap<string, PlanTypeDefinition> = new Map(
  (
    [
      vmType,
      linuxBridgeType,
      firewallRulesType,
      firewallOptionsType,
      firewallAliasType,
      firewallIpsetType,
      poolType,
      backupJobType,
      haResourceType,
      fileType,
      userType,
      userTokenType,
      roleType,
      aclType,
      guestFileType,
      guestCommandType,
      pfsenseConfigType,
      vpnUserType,
      rdsUserType,
      rdsShortcutType,
    ] as PlanTypeDefinition[]
  ).map((d) => [d.type, d]),
);

export function planTypeOf(type: string): PlanTypeDefinition | undefined {
  return PLAN_TYPES.get(type);
}
