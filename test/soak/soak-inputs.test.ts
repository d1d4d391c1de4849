import { describe, expect, it } from 'vitest';
import {
  customerStackFile,
  modifyCustomer,
  randomCustomer,
  type SoakCustomer,
} from '../../bench/soak/customers.ts';
import { randomFaultPlan } from '../../bench/soak/fault-plans.ts';
import { parseSoakOptions } from '../../bench/soak/options.ts';
import { FaultPlanSchema, seededRandom } from '../../lib/sim/faults.ts';

/** A customer and 200 changes to it, all from one seed. */
function history(seed: number): SoakCustomer[] {
  const random = seededRandom(seed);
  const steps = [randomCustomer(random, 1, 3)];
  for (let i = 0; i < 200; i++) steps.push(modifyCustomer(random, steps.at(-1)!).customer);
  return steps;
}

describe('soak inputs', () => {
  it('GIVEN one seed WHEN customers and changes are drawn twice THEN they are the same (a seed replays a soak)', () => {
    expect(history(42)).toEqual(history(42));
    expect(history(42)).not.toEqual(history(43));
  });

  it('GIVEN 200 random changes WHEN each is applied THEN disks never shrink, every user keeps the first server and the VPN, names stay valid', () => {
    for (const seed of [1, 2, 3]) {
      const steps = history(seed);
      for (let i = 1; i < steps.length; i++) {
        const [before, after] = [steps[i - 1]!, steps[i]!];
        after.servers.forEach((s, k) => {
          expect(s.dataDiskGb).toBeGreaterThanOrEqual(before.servers[k]!.dataDiskGb);
          expect(s.name).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
        });
        expect(after.users.length).toBeGreaterThan(0);
        for (const u of after.users) {
          expect(u.servers).toContain(after.servers[0]!.name);
          expect(u.name).toMatch(/^[a-z][a-z0-9._-]*$/);
        }
        expect(new Set(after.users.map((u) => u.name)).size).toBe(after.users.length);
      }
      const file = customerStackFile(steps.at(-1)!);
      expect(file.match(/vpn: true/g)?.length).toBe(steps.at(-1)!.users.length);
      expect(file).not.toMatch(/vpn: false/);
    }
  });

  it('GIVEN random fault plans WHEN drawn THEN each is a valid plan of the emulator, and none touches /version', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 50; i++) {
      const plan = FaultPlanSchema.parse(randomFaultPlan(random));
      for (const rule of plan.rules) {
        expect(rule.path).toBeDefined();
        expect(new RegExp(rule.path!).test('/version')).toBe(false);
      }
    }
  });

  it('GIVEN soak arguments WHEN parsed THEN defaults apply, a given seed is kept, and bad values are refused naming the option', () => {
    const parsed = parseSoakOptions([], () => 77);
    expect(parsed).toEqual({
      options: {
        seconds: 60,
        seed: 77,
        rounds: undefined,
        latencyScale: 0.02,
        maxCustomers: 5,
        parallel: false,
        keep: false,
      },
    });
    expect(parseSoakOptions(['--seconds', '300', '--seed', '5', '--rounds', '2'], () => 77)).toMatchObject({
      options: { seconds: 300, seed: 5, rounds: 2 },
    });
    expect(parseSoakOptions(['--seconds', 'soon'], () => 1)).toEqual({
      error: expect.stringContaining('--seconds'),
    });
    expect(parseSoakOptions(['--secs', '5'], () => 1)).toEqual({ error: expect.stringContaining('--secs') });
    expect(parseSoakOptions(['--help'], () => 1)).toEqual({ help: expect.stringContaining('npm run soak') });
  });
});
