import { z } from 'zod';
import type { Ref } from '../../core/reference.ts';
import { zRef, zSecret } from '../../core/schema.ts';
import type { SecretValue } from '../../core/secret.ts';

/** How the engine reaches inside a guest; `pfsense` is FreeBSD sh with pfSense's PHP tools. */
export type GuestDialect = 'sh' | 'powershell' | 'pfsense';

/**
 * The guest a `pvecdk_*` resource changes: the VM (for snapshots and power)
 * and the SSH endpoint (for the change itself).
 */
export interface GuestTarget {
  /** The VM, usually `vm.vmId` of the VirtualEnvironmentVm. */
  readonly vmId: Ref<number>;
  /** The node the VM runs on, usually `vm.nodeName`. */
  readonly nodeName: Ref<string>;
  /** SSH endpoint: an address the engine can reach (often through the VPN or a jump host). */
  readonly host: Ref<string>;
  readonly port?: number;
  readonly username: string;
  readonly dialect: GuestDialect;
  /** The key the engine logs in with. */
  readonly privateKey: SecretValue;
  /** Pinned host key (`SHA256:...` as ssh-keygen prints it); unset means trust on first use, recorded in state. */
  readonly hostKeySha256?: string;
  /** Reach the guest through this SSH host first (`user@host:port`). */
  readonly jumpHost?: string;
}

export const GuestTargetSchema = z.strictObject({
  vmId: zRef(z.number().int().min(100).max(999_999_999)),
  nodeName: zRef(z.string().min(1)),
  host: zRef(z.string().min(1)),
  port: z.number().int().min(1).max(65_535).optional(),
  username: z.string().regex(/^[A-Za-z0-9._\\-]{1,64}$/, 'a user name of letters, digits, . _ - \\'),
  dialect: z.enum(['sh', 'powershell', 'pfsense']),
  privateKey: zSecret(),
  hostKeySha256: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'a host key fingerprint as ssh-keygen -lf prints it (SHA256:...)')
    .optional(),
  jumpHost: z
    .string()
    .regex(/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?$/, 'user@host or user@host:port')
    .optional(),
});
