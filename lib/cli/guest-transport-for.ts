import { SshGuestTransport } from '../engine/guest/ssh-guest-transport.ts';
import type { SecretResolver } from '../engine/handlers/handler.ts';
import type { RemoteTarget } from './remote-target.ts';

/**
 * The way into guests for a remote: SSH to the addresses in the plan (through
 * their jump hosts) for a real cluster, to the loopback endpoints the
 * embedded emulator publishes for it (none when it emulates no guests).
 * The engine never learns which.
 * PVECDK_GUEST_WAIT_S bounds the wait for a guest that does not answer yet;
 * PVECDK_GUESTS=off reaches no guest (their resources stay pending).
 */
export function guestTransportFor(
  remote: RemoteTarget,
  secrets: SecretResolver,
  /** The wait for a guest that does not answer yet, unless PVECDK_GUEST_WAIT_S says otherwise. */
  defaults: { readonly waitMs?: number } = {},
): SshGuestTransport | undefined {
  // An emulator without emulated guests: guest resources stay pending, as the engine reports them.
  if (remote.emulator && !remote.guestEndpoints) return undefined;
  // PVECDK_GUESTS=off: a run of the Proxmox half only; guest resources stay pending.
  if (process.env.PVECDK_GUESTS === 'off') return undefined;
  const waitS = Number(process.env.PVECDK_GUEST_WAIT_S ?? '');
  return new SshGuestTransport({
    secrets,
    ...(remote.guestEndpoints ? { resolveEndpoint: remote.guestEndpoints } : {}),
    ...(Number.isFinite(waitS) && waitS > 0
      ? { waitMs: waitS * 1000 }
      : defaults.waitMs
        ? { waitMs: defaults.waitMs }
        : {}),
  });
}
