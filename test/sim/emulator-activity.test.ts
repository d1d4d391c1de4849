import { describe, expect, it } from 'vitest';
import { EmulatorActivity } from '../../lib/sim/index.ts';

describe('emulator idleness', () => {
  it('GIVEN a last request at t WHEN asked later THEN it has been idle since t, and not at all while a task runs', () => {
    const activity = new EmulatorActivity(1_000);
    activity.touch(2_000);
    expect(activity.idleMs(0, 5_000)).toBe(3_000);
    expect(activity.idleMs(1, 5_000)).toBe(0);
  });

  it('GIVEN a lease WHEN it holds THEN the emulator is never idle; when it ends or runs out, idleness counts from then', () => {
    const activity = new EmulatorActivity(0);
    activity.lease('cli-1', 60, 1_000);
    expect(activity.idleMs(0, 50_000)).toBe(0);
    expect(activity.leaseCount(50_000)).toBe(1);
    // Ran out at 61 s: its holder went away without a word.
    expect(activity.idleMs(0, 70_000)).toBe(9_000);
    activity.lease('cli-2', 60, 80_000);
    activity.endLease('cli-2', 90_000);
    expect(activity.leaseCount(90_000)).toBe(0);
    expect(activity.idleMs(0, 95_000)).toBe(5_000);
  });
});
