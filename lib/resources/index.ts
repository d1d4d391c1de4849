export { BackupJob } from './backup-job.ts';
export type {
  BackupJobConfig,
  GuestCommandConfig,
  GuestFileConfig,
  GuestTarget,
  PfsenseConfigConfig,
  PfsensePortForwardSummary,
  PfsenseRuleSummary,
  RdsShortcutConfig,
  RdsUserConfig,
  VirtualEnvironmentAclConfig,
  VirtualEnvironmentFileConfig,
  VirtualEnvironmentFileSourceFile,
  VirtualEnvironmentFileSourceRaw,
  VirtualEnvironmentFirewallAliasConfig,
  VirtualEnvironmentFirewallIpsetCidr,
  VirtualEnvironmentFirewallIpsetConfig,
  VirtualEnvironmentFirewallOptionsConfig,
  VirtualEnvironmentFirewallRulesConfig,
  VirtualEnvironmentFirewallRulesRule,
  VirtualEnvironmentHaresourceConfig,
  VirtualEnvironmentNetworkLinuxBridgeConfig,
  VirtualEnvironmentPoolConfig,
  VirtualEnvironmentRoleConfig,
  VirtualEnvironmentUserAcl,
  VirtualEnvironmentUserConfig,
  VirtualEnvironmentUserTokenConfig,
  VirtualEnvironmentVmAgent,
  VirtualEnvironmentVmCdrom,
  VirtualEnvironmentVmClone,
  VirtualEnvironmentVmConfig,
  VirtualEnvironmentVmCpu,
  VirtualEnvironmentVmDisk,
  VirtualEnvironmentVmDiskSpeed,
  VirtualEnvironmentVmEfiDisk,
  VirtualEnvironmentVmInitialization,
  VirtualEnvironmentVmInitializationDns,
  VirtualEnvironmentVmInitializationIpConfig,
  VirtualEnvironmentVmInitializationIpConfigIpv4,
  VirtualEnvironmentVmInitializationIpConfigIpv6,
  VirtualEnvironmentVmInitializationUserAccount,
  VirtualEnvironmentVmMemory,
  VirtualEnvironmentVmNetworkDevice,
  VirtualEnvironmentVmOperatingSystem,
  VirtualEnvironmentVmSerialDevice,
  VirtualEnvironmentVmStartup,
  VirtualEnvironmentVmTpmState,
  VirtualEnvironmentVmVga,
  VpnUserConfig,
} from './generated/index.ts';
export {
  type CriticalChangeOptions,
  GuestCommand,
  GuestFile,
  PfsenseConfig,
  RdsShortcut,
  RdsUser,
  VpnUser,
} from './guest/index.ts';
export { VirtualEnvironmentAcl } from './virtual-environment-acl.ts';
export { VirtualEnvironmentFile } from './virtual-environment-file.ts';
export { VirtualEnvironmentFirewallAlias } from './virtual-environment-firewall-alias.ts';
export { VirtualEnvironmentFirewallIpset } from './virtual-environment-firewall-ipset.ts';
export { VirtualEnvironmentFirewallOptions } from './virtual-environment-firewall-options.ts';
export { VirtualEnvironmentFirewallRules } from './virtual-environment-firewall-rules.ts';
export { VirtualEnvironmentHaresource } from './virtual-environment-haresource.ts';
export { VirtualEnvironmentNetworkLinuxBridge } from './virtual-environment-network-linux-bridge.ts';
export { VirtualEnvironmentPool } from './virtual-environment-pool.ts';
export { VirtualEnvironmentRole } from './virtual-environment-role.ts';
export { VirtualEnvironmentUser } from './virtual-environment-user.ts';
export { VirtualEnvironmentUserToken } from './virtual-environment-user-token.ts';
export { VirtualEnvironmentVm } from './virtual-environment-vm.ts';
