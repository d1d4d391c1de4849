// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { SecretValue } from '../../core/secret.ts';

/** The public half of an SSH key held as a secret: public keys are not secret. */
export interface VirtualEnvironmentVmPublicKeyRef {
  /**
   * An SSH key by secret reference (a private key, whose public half is taken, or a public key line), resolved by the engine at deploy.
   */
  readonly publicKey: SecretValue;
}
