import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../bench/soak/summary.ts';
import { SoakTally } from '../../bench/soak/tally.ts';

const options = {
  seconds: 60,
  seed: 4242,
  rounds: undefined,
  latencyScale: 0.02,
  maxCustomers: 5,
  parallel: true,
  keep: false,
};

function tally(): SoakTally {
  const t = new SoakTally();
  t.rounds = 3;
  t.operation('create', 'killed');
  t.operation('modify', 'failed');
  t.operation('destroy', 'ok');
  t.recovered(2);
  return t;
}

describe('soak summary', () => {
  it('GIVEN a soak that broke an invariant in round 3 WHEN summarised THEN it names the violation, the seed and the command replaying it to that round', () => {
    const text = formatSummary({
      options,
      tally: tally(),
      faults: { 'server-error': 4, reset: 2, slow: 1, 'lock-timeout': 3, 'task-failure': 1 },
      violations: [
        {
          kind: 'orphan-vm',
          detail: "VM 1001 (soak2-s1, tags pvecdk;pvecdk-soak2) is pvecdk's but in no stack's state",
        },
      ],
      failedRound: 3,
      seconds: 61,
      projectDir: '/tmp/pvecdk-soak-x',
    });
    expect(text).toContain(
      'faults injected:      server-error 4, reset 2, slow 1, lock-timeout 3, task-failure 1',
    );
    expect(text).toContain('outcomes:             ok 1, failed 1, killed 1, hung 0');
    expect(text).toContain('failures recovered:   2 of 2');
    expect(text).toContain('invariant violations: 1');
    expect(text).toContain('    orphan-vm: VM 1001 (soak2-s1');
    expect(text).toContain(
      'seed 4242; replay: npm run soak -- --seed 4242 --rounds 3 --seconds 86400 --latency-scale 0.02 --max-customers 5 --parallel',
    );
    expect(text).toContain('kept in /tmp/pvecdk-soak-x');
  });

  it('GIVEN a soak with no violation WHEN summarised THEN it offers no replay', () => {
    const text = formatSummary({
      options,
      tally: tally(),
      faults: {},
      violations: [],
      failedRound: undefined,
      seconds: 61,
      projectDir: '/tmp/pvecdk-soak-x',
    });
    expect(text).toContain('invariant violations: 0');
    expect(text).not.toContain('replay');
  });
});
