// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { SecretValue } from '../../core/secret.ts';
import type { GuestTarget } from './guest-target.ts';
import type { RdsFenceRuleSummary } from './rds-fence-rule-summary.ts';

export interface RdsUserConfig {
  /** The guest a resource changes: the VM (for snapshots) and its SSH endpoint. */
  readonly target: GuestTarget;
  /** Local Windows account name (at most 20 characters, as Windows requires). */
  readonly userName: string;
  /** The full name. */
  readonly fullName?: string;
  /** The initial password (a secret reference). */
  readonly password: SecretValue;
  /** Local groups; "Remote Desktop Users" lets the user log on through RDP. */
  readonly groups: string[];
  /**
   * The account's tenant fence: outbound Windows Firewall rules whose local-user condition is this account (by SID); its other rules are removed.
   */
  readonly outboundRules?: RdsFenceRuleSummary[];
  /** Folders pvecdk keeps for this user (shortcuts, links), removed with the account. */
  readonly folders?: string[];
  /** Rendered idempotent PowerShell that converges the account. */
  readonly script: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
