import { describe, expect, it } from 'vitest';
import {
  checkGraph,
  reverseGraph,
  type WalkEvent,
  type WalkNode,
  walk,
} from '../../lib/engine/graph-walker.ts';
import { WalkLimiter } from '../../lib/engine/walk-limiter.ts';

const node = (id: string, dependsOn: string[] = [], locks: string[] = []): WalkNode<null> => ({
  id,
  dependsOn,
  locks,
  payload: null,
});
const tick = (ms = 2) => new Promise((r) => setTimeout(r, ms));

describe('graph walker', () => {
  it('GIVEN dependencies WHEN walked THEN every node starts after what it depends on finished', async () => {
    const order: string[] = [];
    const finished = new Set<string>();
    const nodes = [node('pool'), node('vm', ['pool', 'bridge']), node('bridge'), node('fw', ['vm'])];
    const result = await walk(
      nodes,
      async (n) => {
        for (const d of n.dependsOn) expect(finished.has(d)).toBe(true);
        order.push(n.id);
        await tick();
        finished.add(n.id);
      },
      { concurrency: 4 },
    );
    expect(result.counts).toEqual({ done: 4, failed: 0, skipped: 0, cancelled: 0 });
    expect(order.indexOf('fw')).toBe(3);
  });

  it('GIVEN a concurrency limit and keyed limits WHEN many nodes are ready THEN neither is exceeded and other keys go on', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const perTemplate = new Map<string, number>();
    let maxPerTemplate = 0;
    const nodes = Array.from({ length: 12 }, (_, i) =>
      node(`vm${String(i).padStart(2, '0')}`, [], [`template:${i % 3}`]),
    );
    await walk(
      nodes,
      async (n) => {
        const key = (n.locks as readonly string[])[0]!;
        inFlight += 1;
        perTemplate.set(key, (perTemplate.get(key) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlight);
        maxPerTemplate = Math.max(maxPerTemplate, perTemplate.get(key)!);
        await tick(3);
        inFlight -= 1;
        perTemplate.set(key, perTemplate.get(key)! - 1);
      },
      { concurrency: 4, limits: { 'template:*': 1 } },
    );
    expect(maxPerTemplate).toBe(1);
    // Three templates, one clone each at a time: three run together, not one (no head-of-line blocking).
    expect(maxInFlight).toBe(3);
  });

  it('GIVEN a failing node WHEN walked THEN its dependants are skipped naming it, and an independent branch completes', async () => {
    const nodes = [node('bridge'), node('vm', ['bridge']), node('fw', ['vm']), node('pool')];
    const result = await walk(
      nodes,
      async (n) => {
        if (n.id === 'bridge') throw new Error('network reload failed');
      },
      { concurrency: 2 },
    );
    expect(result.outcomes.get('bridge')).toMatchObject({
      status: 'failed',
      error: new Error('network reload failed'),
    });
    expect(result.outcomes.get('vm')).toMatchObject({ status: 'skipped', because: 'bridge' });
    expect(result.outcomes.get('fw')).toMatchObject({ status: 'skipped', because: 'bridge' });
    expect(result.outcomes.get('pool')?.status).toBe('done');
  });

  it('GIVEN transient errors WHEN retries are allowed THEN the node is retried with bounded jittered waits', async () => {
    const waits: number[] = [];
    const events: WalkEvent[] = [];
    let calls = 0;
    const result = await walk(
      [node('vm')],
      async () => {
        calls += 1;
        if (calls < 3) throw new Error("can't lock file");
      },
      {
        concurrency: 1,
        retry: { attempts: 5, baseMs: 100, maxMs: 150, isRetryable: (e) => /lock/.test(String(e)) },
        random: () => 0.999,
        sleep: async (ms) => {
          waits.push(ms);
        },
        onEvent: (e) => events.push(e),
      },
    );
    expect(result.outcomes.get('vm')).toMatchObject({ status: 'done', attempts: 3 });
    expect(waits).toEqual([100, 150]);
    expect(events.filter((e) => e.type === 'retrying')).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['waiting', 'running', 'retrying', 'retrying', 'done']);
  });

  it('GIVEN an abort WHEN nodes are still waiting THEN they are cancelled and running ones finish', async () => {
    const controller = new AbortController();
    const result = await walk(
      [node('a'), node('b', ['a']), node('c', ['b'])],
      async (n) => {
        if (n.id === 'a') controller.abort();
        await tick();
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(result.counts).toEqual({ done: 1, failed: 0, skipped: 0, cancelled: 2 });
  });

  it('GIVEN a cycle or an unknown dependency WHEN checked THEN each is named; reversing turns edges around', async () => {
    expect(checkGraph([node('a', ['b']), node('b', ['a']), node('c', ['zzz'])])).toEqual([
      'c depends on unknown zzz',
      'cycle: a → b → a',
    ]);
    await expect(walk([node('a', ['a'])], async () => undefined, { concurrency: 1 })).rejects.toThrow(
      'cycle: a → a',
    );
    expect(reverseGraph([node('pool'), node('vm', ['pool'])]).map((n) => [n.id, n.dependsOn])).toEqual([
      ['pool', ['vm']],
      ['vm', []],
    ]);
  });
});

describe('walks sharing a limiter', () => {
  it('GIVEN two walks on one limiter WHEN both run THEN together they never exceed the global or keyed limits, and both finish', async () => {
    const limiter = new WalkLimiter(3, { 'template:*': 1 });
    let now = 0;
    let peak = 0;
    let templatePeak = 0;
    let onTemplate = 0;
    const visit = async (n: WalkNode<null>) => {
      now += 1;
      peak = Math.max(peak, now);
      const clones = ((n.locks as readonly string[] | undefined) ?? []).includes('template:9001');
      if (clones) templatePeak = Math.max(templatePeak, ++onTemplate);
      await tick(3);
      if (clones) onTemplate -= 1;
      now -= 1;
    };
    const graph = (prefix: string) =>
      Array.from({ length: 6 }, (_, i) => node(`${prefix}${i}`, [], i % 2 ? ['template:9001'] : []));
    const [a, b] = await Promise.all([
      walk(graph('a'), visit, { concurrency: 3, limiter }),
      walk(graph('b'), visit, { concurrency: 3, limiter }),
    ]);
    expect(a.counts.done + b.counts.done).toBe(12);
    expect(peak).toBe(3);
    expect(templatePeak).toBe(1);
  });

  it('GIVEN a walk whose only ready node waits on a slot another walk holds WHEN that slot is given back THEN it runs instead of the walk ending early', async () => {
    const limiter = new WalkLimiter(1);
    let release: () => void = () => undefined;
    const holder = walk([node('long')], () => new Promise<void>((r) => (release = r)), {
      concurrency: 1,
      limiter,
    });
    await tick();
    const ran: string[] = [];
    const waiter = walk([node('short')], async (n) => void ran.push(n.id), { concurrency: 1, limiter });
    await tick(10);
    expect(ran).toEqual([]);
    release();
    const [, result] = await Promise.all([holder, waiter]);
    expect(ran).toEqual(['short']);
    expect(result.counts.done).toBe(1);
  });
});
