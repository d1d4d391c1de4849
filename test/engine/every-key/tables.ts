import { aclCoverage, roleCoverage, userCoverage, userTokenCoverage } from './access-keys.ts';
import type { TypeCoverage } from './coverage.ts';
import { backupJobCoverage, fileCoverage, haResourceCoverage, poolCoverage } from './datacenter-keys.ts';
import {
  bridgeCoverage,
  firewallAliasCoverage,
  firewallIpsetCoverage,
  firewallOptionsCoverage,
  firewallRulesCoverage,
} from './network-keys.ts';
import { vmCoverage } from './vm-keys.ts';

/** Every coverage table: one per plan type with a handler (every-key.test.ts checks that). */
export const COVERAGE: readonly TypeCoverage[] = [
  vmCoverage,
  bridgeCoverage,
  firewallRulesCoverage,
  firewallOptionsCoverage,
  firewallAliasCoverage,
  firewallIpsetCoverage,
  poolCoverage,
  backupJobCoverage,
  haResourceCoverage,
  fileCoverage,
  userCoverage,
  userTokenCoverage,
  roleCoverage,
  aclCoverage,
];
