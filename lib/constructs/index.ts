export { Bridge, type BridgeProps, type BridgeRole } from './bridge.ts';
export { Cluster, type ClusterProps, type TemplateCatalogue, type VmIdRange } from './cluster.ts';
export { Customer, type CustomerProps, type CustomerServer, type CustomerUser } from './customer.ts';
export { type BackupPolicy, CustomerDbVm, type CustomerDbVmProps, FOUR_D_PORTS } from './customer-db-vm.ts';
export { type GuestNic, GuestVm, type GuestVmProps } from './guest-vm.ts';
export { PfSenseRouter, type PfSenseRouterProps } from './pfsense-router.ts';
export { Platform, type PlatformProps, type PlatformServer } from './platform.ts';
export { RdsHost, type RdsHostProps, type RdsServerRef } from './rds-host.ts';
export {
  PFSENSE_INTERFACE,
  type RouterAlias,
  type RouterInterface,
  type RouterPortForward,
  type RouterRule,
} from './router-rule.ts';
export { VpnAccess, type VpnAccessProps, type VpnUserOptions } from './vpn-access.ts';
