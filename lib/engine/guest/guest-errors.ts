import { defineErrorFamily } from '../../core/error-family.ts';

/**
 * Errors reaching a guest through the GuestTransport. Messages name the VM
 * (node and id), the SSH endpoint and user, the resource asking and, for
 * key problems, fingerprints: never a key, a password or a command line.
 */
export const GUEST_ERROR_CODES = {
  GUEST_UNREACHABLE:
    'the guest did not answer SSH within the wait (still booting, stopped, or the address, port or jump host is wrong)',
  GUEST_AUTH_FAILED:
    "the guest refused the engine's key for the user (the public key is not in the user's authorized_keys), or the key cannot be read",
  GUEST_HOST_KEY_CHANGED:
    'the guest presented another host key than the one pinned or recorded in state for the same VM; nothing was sent',
  GUEST_NO_TRANSPORT:
    'a guest resource must be read or changed and this run has no way into guests (no GuestTransport)',
  GUEST_ENDPOINT_UNKNOWN: 'the emulator publishes no SSH endpoint for the VM (not running, or no guest)',
  GUEST_KEY_INVALID: "the engine's guest key (a secret reference) is not an SSH key pvecdk can use",
} as const;

export type GuestErrorCode = keyof typeof GUEST_ERROR_CODES;

export class GuestError extends defineErrorFamily('Guests', GUEST_ERROR_CODES, {
  whileRunning: ['GUEST_UNREACHABLE', 'GUEST_ENDPOINT_UNKNOWN'],
}) {}
