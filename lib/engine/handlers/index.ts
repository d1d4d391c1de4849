import { userHandler, userTokenHandler } from './access-handlers.ts';
import { backupJobHandler } from './backup-job-handler.ts';
import { bridgeHandler } from './bridge-handler.ts';
import { fileHandler } from './file-handler.ts';
import { firewallOptionsHandler, firewallRulesHandler } from './firewall-handlers.ts';
import { firewallAliasHandler, firewallIpsetHandler } from './firewall-object-handlers.ts';
import { guestCommandHandler } from './guest-command-handler.ts';
import { guestFileHandler } from './guest-file-handler.ts';
import { haResourceHandler } from './ha-resource-handler.ts';
import type { ResourceHandler } from './handler.ts';
import { pfsenseConfigHandler } from './pfsense-config-handler.ts';
import { poolHandler } from './pool-handler.ts';
import { rdsShortcutHandler } from './rds-shortcut-handler.ts';
import { rdsUserHandler } from './rds-user-handler.ts';
import { aclHandler, roleHandler } from './role-acl-handlers.ts';
import { vmHandler } from './vm-handler.ts';
import { vpnUserHandler } from './vpn-user-handler.ts';

/**
 * The handlers by plan type. Plan types without one (the guest `pvecdk_*`
 * types whose handlers are not written yet) are reported as pending: never
 * applied, never claimed done.
 */
export const HANDLERS: ReadonlyMap<string, ResourceHandler> = new Map(
  (
    [
      vmHandler,
      bridgeHandler,
      firewallRulesHandler,
      firewallOptionsHandler,
      firewallAliasHandler,
      firewallIpsetHandler,
      poolHandler,
      backupJobHandler,
      haResourceHandler,
      userHandler,
      userTokenHandler,
      roleHandler,
      aclHandler,
      fileHandler,
      guestFileHandler,
      guestCommandHandler,
      pfsenseConfigHandler,
      vpnUserHandler,
      rdsUserHandler,
      rdsShortcutHandler,
    ] as ResourceHandler[]
  ).map((h) => [h.contract.type, h]),
);
