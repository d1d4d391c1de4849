import type { GuestAddress } from './guest-transport.ts';

/** Where a guest answers SSH, when that is not simply the address in the plan. */
export interface GuestEndpoint {
  readonly host: string;
  readonly port: number;
  /** A host key known for the endpoint (the emulator publishes each guest's): pinned, no trust on first use. */
  readonly hostKeySha256?: string | undefined;
  /** Reached directly, not through the target's jump host (the emulator's loopback endpoints). */
  readonly direct?: boolean;
}

/**
 * Maps a guest to where it answers: `'booting'` while it cannot answer yet
 * (the transport waits and asks again, within its bound); throws when it
 * never will (the VM has no guest). The CLI gives the emulator's; a real
 * remote uses the plan's address as it is.
 */
export type GuestEndpointResolver = (address: GuestAddress) => Promise<GuestEndpoint | 'booting'>;

/** The plan's own address: what a real cluster uses. */
export const planEndpoint: GuestEndpointResolver = async (address) => ({
  host: address.host,
  port: address.port ?? 22,
  ...(address.host_key_sha256 ? { hostKeySha256: address.host_key_sha256 } : {}),
});
