// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.

/** A NAT port forward as data. */
export interface PfsensePortForwardSummary {
  /** The interface it listens on. */
  readonly interface: string;
  /** The protocol. */
  readonly protocol: string;
  /** The port it listens on. */
  readonly externalPort: string;
  /** The address it forwards to. */
  readonly target: string;
  /** The port it forwards to. */
  readonly targetPort: string;
  /** The description. */
  readonly description: string;
}
