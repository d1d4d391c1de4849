import { z } from 'zod';
import type { GuestEndpointResolver } from '../engine/guest/guest-endpoint.ts';
import { GuestError } from '../engine/guest/guest-errors.ts';
import { callEmulator } from '../sim/endpoint-client.ts';

/** How the CLI reaches the embedded emulator's own endpoints. */
export interface EmulatorAccess {
  readonly url: string;
  /** SHA-256 of its certificate: every call pins it. */
  readonly fingerprint: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
}

/** `GET /pvecdk-sim/guests`: the emulated guests of running VMs and where their sshd listens. */
const GuestEndpointsSchema = z.object({
  data: z.array(
    z.object({
      node: z.string(),
      vmid: z.number().int(),
      kind: z.string().optional(),
      host: z.string(),
      port: z.number().int().min(1).max(65_535).optional(),
      hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
      state: z.string(),
    }),
  ),
});

/**
 * The guest endpoints the embedded emulator publishes: each guest answers on
 * loopback with its own host key (then pinned), reached directly whatever
 * jump host the plan names; `booting` until its sshd is up.
 */
export function emulatorGuestEndpoints(access: EmulatorAccess, timeoutMs = 5_000): GuestEndpointResolver {
  return async (address) => {
    const vm = `VM ${address.vm_id} on ${address.node_name}`;
    const answer = await callEmulator(access, access.tokenSecret, {
      method: 'GET',
      path: '/pvecdk-sim/guests',
      timeoutMs,
    });
    if (answer?.status !== 200)
      throw new GuestError(
        'GUEST_ENDPOINT_UNKNOWN',
        `${vm}: the embedded emulator at ${access.url} did not list its guests (${answer ? `HTTP ${answer.status}` : 'no answer'})`,
        answer?.status === 404
          ? 'this emulator version emulates no guests; update pvecdk, or deploy the guest resources to a real cluster'
          : 'is the emulator still running? `pvecdk sim --stop` and deploy again starts a fresh one',
      );
    let parsed: z.infer<typeof GuestEndpointsSchema>;
    try {
      parsed = GuestEndpointsSchema.parse(JSON.parse(answer.body));
    } catch {
      throw new GuestError(
        'GUEST_ENDPOINT_UNKNOWN',
        `${vm}: the embedded emulator's guest list is not in the expected form`,
        'the emulator and the CLI come from different pvecdk versions: stop the emulator (`pvecdk sim --stop`) and run again',
      );
    }
    const guest = parsed.data.find((g) => g.vmid === address.vm_id && g.node === address.node_name);
    if (!guest)
      throw new GuestError(
        'GUEST_ENDPOINT_UNKNOWN',
        `${vm}: the embedded emulator publishes no guest for this VM (it is not running, or not on ${address.node_name})`,
        'start the VM (its resource has started: true), then deploy again',
      );
    if (guest.state === 'booting' || ((guest.state === 'up' || guest.state === 'ready') && !guest.port))
      return 'booting';
    if ((guest.state !== 'up' && guest.state !== 'ready') || guest.port === undefined)
      throw new GuestError(
        'GUEST_ENDPOINT_UNKNOWN',
        `${vm}: the emulated guest is ${guest.state}, not booting or up`,
        'start the VM (its resource has started: true), then deploy again',
      );
    return { host: guest.host, port: guest.port, hostKeySha256: guest.hostKeySha256, direct: true };
  };
}

/**
 * Whether this emulator emulates guests (it answers `GET /pvecdk-sim/guests`):
 * one that does not leaves guest resources pending, as a run without a way
 * into guests does, rather than failing each of them.
 */
export async function emulatorPublishesGuests(access: EmulatorAccess, timeoutMs = 5_000): Promise<boolean> {
  const answer = await callEmulator(access, access.tokenSecret, {
    method: 'GET',
    path: '/pvecdk-sim/guests',
    timeoutMs,
  });
  return answer?.status === 200;
}
