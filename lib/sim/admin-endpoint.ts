import type { EmulatorActivity } from './emulator-activity.ts';
import type { FaultInjector } from './faults.ts';
import type { GuestEndpoint } from './guests/guest-endpoint.ts';
import type { GuestCommandRecord } from './guests/guest-state.ts';

/** Why an emulator should stop: a client asked (`POST /pvecdk-sim/stop`), or another took its data dir over. */
export type StopReason = 'stop-requested' | 'ownership-lost';

/**
 * The emulator's own endpoint, outside /api2/json so no Proxmox client can
 * hit it by accident; only the emulator's root token may call it.
 * GET/PUT /pvecdk-sim/faults reads or replaces the fault plan; PUT
 * /pvecdk-sim/lease `{"holder":"...","seconds":N}` asks it to serve at least
 * N more seconds (a client that may be quiet for a while, renewed while it
 * runs) and DELETE with the holder ends that; POST /pvecdk-sim/stop asks it
 * to stop (`pvecdk sim --stop`). GET /pvecdk-sim/guests lists the SSH
 * endpoints of the running VMs' emulated guests (guests/guest-endpoint.ts),
 * GET /pvecdk-sim/guests/{vmid} one of them (404 when that VM does not run),
 * GET /pvecdk-sim/guests/{vmid}/commands the guest's command log (the last
 * 200 commands and SFTP writes, each with its exit code and whether it
 * changed the guest), for tests that count what a run did inside guests;
 * GET /pvecdk-sim/requests the API requests this process answered, by method.
 */
export function adminEndpoint(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string },
  rootToken: string,
  hooks: {
    faults: FaultInjector;
    activity: EmulatorActivity;
    stop: (reason: StopReason) => void;
    guests: { endpoints(): GuestEndpoint[]; commands(vmid: number): GuestCommandRecord[] | undefined };
    /** API requests answered by this process, by method. */
    requests?: () => Record<string, number>;
  },
): { status: number; body: unknown } {
  if (req.headers.authorization !== rootToken)
    return { status: 401, body: { error: 'the emulator root token is required' } };
  const path = new URL(req.url, 'https://emulator').pathname;
  if (path === '/pvecdk-sim/faults') {
    if (req.method === 'GET')
      return { status: 200, body: { data: hooks.faults.current, injected: hooks.faults.injected } };
    if (req.method !== 'PUT') return { status: 405, body: { error: 'use GET or PUT' } };
    try {
      return { status: 200, body: { data: hooks.faults.configure(JSON.parse(req.body || '{}')) } };
    } catch (e) {
      return { status: 400, body: { error: (e as Error).message } };
    }
  }
  if (path === '/pvecdk-sim/lease') {
    let body: { holder?: unknown; seconds?: unknown } = {};
    try {
      body = JSON.parse(req.body || '{}') as typeof body;
    } catch {
      return { status: 400, body: { error: 'the body must be JSON: {"holder":"...","seconds":N}' } };
    }
    if (typeof body.holder !== 'string' || body.holder.length === 0 || body.holder.length > 200)
      return { status: 400, body: { error: 'holder must be a non-empty string' } };
    if (req.method === 'DELETE') {
      hooks.activity.endLease(body.holder);
      return { status: 200, body: { data: null } };
    }
    if (req.method !== 'PUT') return { status: 405, body: { error: 'use PUT or DELETE' } };
    const seconds = body.seconds;
    if (typeof seconds !== 'number' || !(seconds > 0 && seconds <= 3600))
      return { status: 400, body: { error: 'seconds must be a number from 1 to 3600' } };
    return { status: 200, body: { data: { until: hooks.activity.lease(body.holder, seconds) } } };
  }
  const commandsPath = /^\/pvecdk-sim\/guests\/(\d+)\/commands\/?$/.exec(path);
  if (commandsPath) {
    if (req.method !== 'GET') return { status: 405, body: { error: 'use GET' } };
    const log = hooks.guests.commands(Number(commandsPath[1]));
    return log
      ? { status: 200, body: { data: log } }
      : { status: 404, body: { error: `VM ${commandsPath[1]} has no emulated guest` } };
  }
  const guestPath = /^\/pvecdk-sim\/guests(?:\/(\d+))?\/?$/.exec(path);
  if (guestPath) {
    if (req.method !== 'GET') return { status: 405, body: { error: 'use GET' } };
    const endpoints = hooks.guests.endpoints();
    if (guestPath[1] === undefined) return { status: 200, body: { data: endpoints } };
    const one = endpoints.find((e) => e.vmid === Number(guestPath[1]));
    return one
      ? { status: 200, body: { data: one } }
      : { status: 404, body: { error: `VM ${guestPath[1]} has no running emulated guest` } };
  }
  if (path === '/pvecdk-sim/requests') {
    if (req.method !== 'GET') return { status: 405, body: { error: 'use GET' } };
    return { status: 200, body: { data: hooks.requests?.() ?? {} } };
  }
  if (path === '/pvecdk-sim/stop') {
    if (req.method !== 'POST') return { status: 405, body: { error: 'use POST' } };
    hooks.stop('stop-requested');
    return { status: 202, body: { data: { pid: process.pid } } };
  }
  return { status: 404, body: { error: 'unknown emulator endpoint' } };
}
