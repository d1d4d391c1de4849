import type { FaultPlan, FaultRule } from '../../lib/sim/faults.ts';

/**
 * Requests faults may hit: every API path but `/version`, which a CLI also
 * uses to tell whether the emulator serving the data dir is alive (a fault
 * there would make it start another emulator, a fault of the harness rather
 * than of Proxmox, whose /version is read-only and served by pveproxy itself).
 */
const ANY_BUT_VERSION = '^/(?!version$)';

/**
 * A fault plan for one soak operation, drawn from the soak's generator: each
 * way Proxmox fails at a random low rate, so most runs meet several kinds and
 * still make progress. Rates stay below what the client's retries absorb
 * only often, not always: failed runs are expected, and must recover.
 */
export function randomFaultPlan(random: () => number): FaultPlan {
  const rate = (max: number) => Math.round(random() * max * 1000) / 1000;
  const rules: FaultRule[] = [
    // pveproxy answering 500 (a daemon restarting, a cluster filesystem hiccup).
    { method: 'GET', path: ANY_BUT_VERSION, rate: rate(0.12), fault: 'server-error' },
    { method: 'POST', path: ANY_BUT_VERSION, rate: rate(0.1), fault: 'server-error' },
    { method: 'PUT', path: ANY_BUT_VERSION, rate: rate(0.1), fault: 'server-error' },
    { method: 'DELETE', path: ANY_BUT_VERSION, rate: rate(0.1), fault: 'server-error' },
    // Connections dropped before an answer (a proxy restart, a network blip).
    { path: ANY_BUT_VERSION, rate: rate(0.08), fault: 'reset' },
    // Slow answers: a loaded node.
    { path: ANY_BUT_VERSION, rate: rate(0.1), fault: 'slow', delayMs: 200 + Math.floor(random() * 1_500) },
    // A VM's config lock held by another worker: `can't lock file ... got timeout`.
    { method: 'POST', path: '/qemu/\\d+/', rate: rate(0.3), fault: 'lock-timeout' },
    { method: 'PUT', path: '/qemu/\\d+/', rate: rate(0.2), fault: 'lock-timeout' },
    { method: 'DELETE', path: '/qemu/\\d+', rate: rate(0.2), fault: 'lock-timeout' },
  ];
  return {
    seed: Math.floor(random() * 2 ** 31),
    rules: rules.filter((r) => r.rate > 0),
    // Workers that die (clone, resize, start, delete): the task ends in error.
    taskFailureRate: rate(0.25),
    taskError: 'emulated task failure (pvecdk fault injection)',
  };
}

/** No faults: the clean deploy and the checks after each round. */
export const NO_FAULTS: FaultPlan = { seed: 1, rules: [], taskFailureRate: 0, taskError: 'none' };
