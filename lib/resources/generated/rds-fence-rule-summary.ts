// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.

/** An outbound Windows Firewall rule that applies to one account only, as data. */
export interface RdsFenceRuleSummary {
  /** The rule name (`pvecdk-rds/<user>/allow/<server>`, `pvecdk-rds/<user>/block`). */
  readonly name: string;
  /** What Windows shows. */
  readonly displayName: string;
  /** What a match does; Windows applies Block before Allow. */
  readonly action: 'Allow' | 'Block';
  /** TCP remote ports. */
  readonly remotePorts: string;
  /** Remote addresses and ranges. */
  readonly remoteAddresses: string[];
  /** The 4D servers the rule allows (an Allow rule), for review and policies. */
  readonly servers?: string[];
}
