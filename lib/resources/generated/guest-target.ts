// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { SecretValue } from '../../core/secret.ts';

/** The guest a resource changes: the VM (for snapshots) and its SSH endpoint. */
export interface GuestTarget {
  /** The VM, usually `vm.vmId` of the VirtualEnvironmentVm. */
  readonly vmId: Ref<number>;
  /** The node the VM runs on, usually `vm.nodeName`. */
  readonly nodeName: Ref<string>;
  /** SSH endpoint: an address the engine can reach (often through the VPN or a jump host). */
  readonly host: Ref<string>;
  /**
   * SSH port.
   * @default 22
   */
  readonly port?: number;
  /** The user the engine logs in as. */
  readonly username: string;
  /** How the engine talks to the guest; `pfsense` is FreeBSD sh with pfSense's PHP tools. */
  readonly dialect: 'sh' | 'powershell' | 'pfsense';
  /** The key the engine logs in with (a secret reference). */
  readonly privateKey: SecretValue;
  /**
   * Pinned host key (`SHA256:...` as ssh-keygen prints it).
   * @default trust on first use, recorded in state
   */
  readonly hostKeySha256?: string;
  /** Reach the guest through this SSH host first (`user@host:port`). */
  readonly jumpHost?: string;
}
