import { userHandler, userTokenHandler } from './access-handlers.ts';
import { backupJobHandler } from './backup-job-handler.ts';
import { bridgeHandler } from './bridge-handler.ts';
import { fileHandler } from './file-handler.ts';
import { firewallOptionsHandler, firewallRulesHandler } from './firewall-handlers.ts';
import { firewallAliasHandler, firewallIpsetHandler } from './firewall-object-handlers.ts';
import { haResourceHandler } from './ha-resource-handler.ts';
import type { ResourceHandler } from './handler.ts';
import { poolHandler } from './pool-handler.ts';
import { aclHandler, roleHandler } from './role-acl-handlers.ts';
import { vmHandler } from './vm-handler.ts';

export * from './access-handlers.ts';
export * from './backup-job-handler.ts';
export * from './bridge-handler.ts';
export * from './file-handler.ts';
export * from './firewall-handlers.ts';
export * from './firewall-object-handlers.ts';
export * from './ha-resource-handler.ts';
export * from './handler.ts';
export * from './handler-errors.ts';
export * from './pool-handler.ts';
export * from './role-acl-handlers.ts';
export * from './vm-handler.ts';

/** The handlers by plan type; types without one (the guest `pvecdk_*` types, for now) are reported as pending. */
export const HANDLERS: ReadonlyMap<string, ResourceHandler> = new Map(
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
  ].map((h) => [h.type, h]),
);
