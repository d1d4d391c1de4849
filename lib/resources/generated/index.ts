// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
export type {
  VirtualEnvironmentFileConfig,
  VirtualEnvironmentFileSourceRaw,
  VirtualEnvironmentFileSourceFile,
} from './virtual-environment-file.ts';
export type {
  VirtualEnvironmentFirewallIpsetConfig,
  VirtualEnvironmentFirewallIpsetCidr,
} from './virtual-environment-firewall-ipset.ts';
export type {
  VirtualEnvironmentFirewallRulesConfig,
  VirtualEnvironmentFirewallRulesRule,
} from './virtual-environment-firewall-rules.ts';
export type {
  VirtualEnvironmentNetworkLinuxBridgeConfig,
} from './virtual-environment-network-linux-bridge.ts';
export type {
  VirtualEnvironmentVmConfig,
  VirtualEnvironmentVmClone,
  VirtualEnvironmentVmCpu,
  VirtualEnvironmentVmMemory,
  VirtualEnvironmentVmAgent,
  VirtualEnvironmentVmDisk,
  VirtualEnvironmentVmDiskSpeed,
  VirtualEnvironmentVmNetworkDevice,
  VirtualEnvironmentVmInitialization,
  VirtualEnvironmentVmInitializationDns,
  VirtualEnvironmentVmInitializationIpConfig,
  VirtualEnvironmentVmInitializationIpConfigIpv4,
  VirtualEnvironmentVmInitializationIpConfigIpv6,
  VirtualEnvironmentVmInitializationUserAccount,
  VirtualEnvironmentVmOperatingSystem,
  VirtualEnvironmentVmStartup,
  VirtualEnvironmentVmVga,
  VirtualEnvironmentVmEfiDisk,
  VirtualEnvironmentVmTpmState,
  VirtualEnvironmentVmSerialDevice,
  VirtualEnvironmentVmCdrom,
} from './virtual-environment-vm.ts';
export type { BackupJobConfig } from './backup-job.ts';
export type { GuestCommandConfig } from './guest-command.ts';
export type { GuestFileConfig } from './guest-file.ts';
export type { GuestTarget } from './guest-target.ts';
export type { PfsenseConfigConfig } from './pfsense-config.ts';
export type { PfsensePortForwardSummary } from './pfsense-port-forward-summary.ts';
export type { PfsenseRuleSummary } from './pfsense-rule-summary.ts';
export type { RdsFenceRuleSummary } from './rds-fence-rule-summary.ts';
export type { RdsShortcutConfig } from './rds-shortcut.ts';
export type { RdsUserConfig } from './rds-user.ts';
export type { VirtualEnvironmentAclConfig } from './virtual-environment-acl.ts';
export type { VirtualEnvironmentFirewallAliasConfig } from './virtual-environment-firewall-alias.ts';
export type { VirtualEnvironmentFirewallOptionsConfig } from './virtual-environment-firewall-options.ts';
export type { VirtualEnvironmentHaresourceConfig } from './virtual-environment-haresource.ts';
export type { VirtualEnvironmentPoolConfig } from './virtual-environment-pool.ts';
export type { VirtualEnvironmentRoleConfig } from './virtual-environment-role.ts';
export type { VirtualEnvironmentUserConfig, VirtualEnvironmentUserAcl } from './virtual-environment-user.ts';
export type { VirtualEnvironmentUserTokenConfig } from './virtual-environment-user-token.ts';
export type { VirtualEnvironmentVmPublicKeyRef } from './virtual-environment-vm-public-key-ref.ts';
export type { VpnUserConfig } from './vpn-user.ts';
