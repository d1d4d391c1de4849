import { describe, expect, it } from 'vitest';
import { type WalkNode, walk } from '../../lib/engine/graph-walker.ts';
import { isStorageLockTimeout } from '../../lib/engine/transient.ts';
import { type AdaptiveLimits, WalkLimiter } from '../../lib/engine/walk-limiter.ts';
import { PveError } from '../../lib/pve/index.ts';

const LOCK_TIMEOUT = "can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout";
const lockTimeout = () => new PveError('PVE_TASK_FAILED', `task qmclone failed: ${LOCK_TIMEOUT}`);
const ADAPTIVE: AdaptiveLimits = {
  limits: { 'storage:*': { initial: 2, max: 4 } },
  isContention: isStorageLockTimeout,
};
// Turns of the event loop, not milliseconds: the walk interleaves the same way however loaded the machine.
const turn = () => new Promise<void>((r) => setImmediate(r));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

describe('clone limits learnt from the cluster', () => {
  it('GIVEN a storage limit starting at 2 WHEN clones holding it succeed THEN it grows by one each time up to its max; other keys keep their fixed limits', () => {
    const limiter = new WalkLimiter(8, { 'node:*': 4 }, ADAPTIVE);
    expect(limiter.limitOf('storage:local-lvm')).toBe(2);
    limiter.observe(['node:pve1', 'storage:local-lvm']);
    expect(limiter.limitOf('storage:local-lvm')).toBe(3);
    limiter.observe(['storage:local-lvm']);
    limiter.observe(['storage:local-lvm']);
    expect(limiter.limitOf('storage:local-lvm')).toBe(4);
    expect(limiter.limitOf('storage:ceph-vm')).toBe(2);
    expect(limiter.limitOf('node:pve1')).toBe(4);
  });

  it('GIVEN a storage limit of 4 WHEN a clone fails on the storage lock timeout THEN it halves, down to 1 at least; other failures leave it', () => {
    const limiter = new WalkLimiter(8, {}, ADAPTIVE);
    for (let i = 0; i < 3; i++) limiter.observe(['storage:local-lvm']);
    limiter.observe(['storage:local-lvm'], new PveError('PVE_SERVER', 'boom'));
    expect(limiter.limitOf('storage:local-lvm')).toBe(4);
    limiter.observe(['storage:local-lvm'], lockTimeout());
    expect(limiter.limitOf('storage:local-lvm')).toBe(2);
    limiter.observe(['storage:local-lvm'], lockTimeout());
    limiter.observe(['storage:local-lvm'], lockTimeout());
    expect(limiter.limitOf('storage:local-lvm')).toBe(1);
  });

  it('GIVEN a storage that times out when more than 2 clones allocate at once WHEN 12 clones are walked with retries THEN every clone ends done and the limit settled where the storage answers', async () => {
    const limiter = new WalkLimiter(8, {}, { ...ADAPTIVE, limits: { 'storage:*': { initial: 2, max: 8 } } });
    const nodes: WalkNode<null>[] = Array.from({ length: 12 }, (_, i) => ({
      id: `vm${String(i).padStart(2, '0')}`,
      dependsOn: [],
      locks: ['storage:local-lvm'],
      payload: null,
    }));
    let inFlight = 0;
    let timeouts = 0;
    const result = await walk(
      nodes,
      async () => {
        inFlight += 1;
        const crowded = inFlight > 2;
        await turns(3);
        inFlight -= 1;
        if (crowded) {
          timeouts += 1;
          throw lockTimeout();
        }
      },
      {
        concurrency: 8,
        limiter,
        retry: { attempts: 10, baseMs: 1, maxMs: 1, isRetryable: () => true },
        sleep: () => turns(5),
      },
    );
    expect(result.counts.done).toBe(12);
    expect(timeouts).toBeGreaterThan(0);
    expect(limiter.limitOf('storage:local-lvm')).toBeLessThanOrEqual(8);
  });
});
