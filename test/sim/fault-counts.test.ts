import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../lib/sim/faults.ts';
import type { EmulatorTask } from '../../lib/sim/task-runner.ts';

const request = (method: string, path: string) => ({
  method,
  url: `/api2/json${path}`,
  headers: {},
  body: '',
});

describe('fault counts by kind', () => {
  it('GIVEN one rule per kind that always fires WHEN requests pass THEN each is counted under its kind, and failed tasks apart', () => {
    const faults = new FaultInjector({
      seed: 5,
      rules: [
        { method: 'GET', path: '^/version$', rate: 1, fault: 'server-error' },
        { method: 'GET', path: '^/cluster', rate: 1, fault: 'reset' },
        { method: 'PUT', rate: 1, fault: 'slow', delayMs: 10 },
        { method: 'POST', path: '/qemu/\\d+/', rate: 1, fault: 'lock-timeout' },
      ],
      taskFailureRate: 1,
    });
    faults.decide(request('GET', '/version'));
    faults.decide(request('GET', '/cluster/resources'));
    faults.decide(request('GET', '/cluster/resources'));
    expect(faults.decide(request('PUT', '/nodes/pve1/qemu/100/config'))).toEqual({ kind: 'delay', ms: 10 });
    expect(faults.decide(request('POST', '/nodes/pve1/qemu/100/config'))).toEqual({
      kind: 'status',
      status: 500,
      reason: "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
    });
    expect(faults.decide(request('DELETE', '/pools/x'))).toBeUndefined();
    faults.taskFault({} as EmulatorTask);

    expect(faults.injected).toEqual({
      requests: 5,
      tasks: 1,
      byKind: { 'server-error': 1, reset: 2, slow: 1, 'lock-timeout': 1 },
    });
  });

  it('GIVEN counts so far WHEN the plan is replaced (as a soak does per run) THEN the counts go on', () => {
    const faults = new FaultInjector({ rules: [{ rate: 1, fault: 'reset' }] });
    faults.decide(request('GET', '/nodes'));
    faults.configure({ rules: [{ rate: 1, fault: 'server-error' }] });
    faults.decide(request('GET', '/nodes'));
    expect(faults.injected.byKind).toEqual({ 'server-error': 1, reset: 1, slow: 0, 'lock-timeout': 0 });
  });
});
