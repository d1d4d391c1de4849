export { aclType, roleType, userTokenType, userType } from './access.ts';
export { backupJobType, fileType, haResourceType, poolType } from './datacenter.ts';
export { firewallAliasType, firewallIpsetType, firewallOptionsType, firewallRulesType } from './firewall.ts';
export {
  guestCommandType,
  guestFileType,
  pfsenseConfigType,
  rdsShortcutType,
  rdsUserType,
  vpnUserType,
} from './guest.ts';
export { linuxBridgeType } from './network-linux-bridge.ts';
export { vmType } from './vm.ts';
