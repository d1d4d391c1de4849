import { findCycles, missingDependencies, reversed } from '../core/private/dag.ts';
import { BUG_HINT, EngineError } from './engine-errors.ts';
import { WalkLimiter } from './walk-limiter.ts';

/**
 * A generic walk over a dependency graph: each node runs once all it depends
 * on succeeded, under a global concurrency limit and keyed limits (a few per
 * node, clones per storage as the cluster allows...). A failure skips everything that depends
 * on it, directly or not, while independent branches go on. Outcomes are
 * values, never thrown.
 */
export interface WalkNode<T> {
  readonly id: string;
  readonly dependsOn: readonly string[];
  /**
   * Semaphore keys held while the node runs, e.g. `storage:local-lvm`,
   * `node:pve1`; a function is asked once the node's dependencies are done
   * (when what the keys depend on is known).
   */
  readonly locks?: readonly string[] | (() => readonly string[]);
  readonly payload: T;
}

export type WalkStatus = 'done' | 'failed' | 'skipped' | 'cancelled';

export interface WalkOutcome {
  readonly id: string;
  readonly status: WalkStatus;
  readonly error?: unknown;
  /** For skipped nodes: the failed node that caused it. */
  readonly because?: string;
  readonly attempts: number;
  readonly elapsedMs: number;
}

export type WalkEvent =
  | {
      readonly type: 'waiting' | 'running' | 'done' | 'skipped' | 'cancelled';
      readonly id: string;
      readonly elapsedMs: number;
    }
  | {
      readonly type: 'retrying';
      readonly id: string;
      readonly attempt: number;
      readonly error: unknown;
      readonly elapsedMs: number;
    }
  | { readonly type: 'failed'; readonly id: string; readonly error: unknown; readonly elapsedMs: number };

export interface WalkOptions {
  readonly concurrency: number;
  /** Limits by key or key prefix pattern: `{ 'node:*': 4, 'network:*': 1 }`. */
  readonly limits?: Readonly<Record<string, number>>;
  /** Slots shared with other walks running at the same time; `concurrency` and `limits` are then its own. */
  readonly limiter?: WalkLimiter;
  readonly retry?: {
    readonly attempts: number;
    readonly baseMs: number;
    readonly maxMs: number;
    readonly isRetryable: (error: unknown) => boolean;
  };
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: WalkEvent) => void;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface WalkResult {
  readonly outcomes: ReadonlyMap<string, WalkOutcome>;
  readonly counts: Readonly<Record<WalkStatus, number>>;
  readonly wallMs: number;
}

/** Finds unknown dependencies and cycles; returns problems as text, empty when the graph is sound. */
export function checkGraph<T>(nodes: readonly WalkNode<T>[]): string[] {
  return [
    ...missingDependencies(nodes).map(({ id, missing }) => `${id} depends on unknown ${missing}`),
    ...findCycles(nodes).map((cycle) => `cycle: ${cycle.join(' → ')}`),
  ];
}

/** The same graph with every edge turned around: for destroy, dependants go first. */
export function reverseGraph<T>(nodes: readonly WalkNode<T>[]): WalkNode<T>[] {
  return reversed(nodes);
}

export async function walk<T>(
  nodes: readonly WalkNode<T>[],
  visit: (node: WalkNode<T>) => Promise<void>,
  options: WalkOptions,
): Promise<WalkResult> {
  const problems = checkGraph(nodes);
  if (problems.length)
    throw new EngineError(
      'ENGINE_INTERNAL',
      `the action graph is not sound: ${problems.join('; ')}`,
      BUG_HINT,
    );
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const limiter = options.limiter ?? new WalkLimiter(options.concurrency, options.limits);
  const started = now();
  const outcomes = new Map<string, WalkOutcome>();
  const pending = new Map(nodes.map((n) => [n.id, n]));
  // What this walk has running; the limiter counts every walk's.
  let running = 0;
  const emit = (e: WalkEvent) => options.onEvent?.(e);

  // Dependants of a failed node are skipped, transitively, naming the root failure.
  const skipDependants = (failed: string, root: string): void => {
    for (const n of [...pending.values()]) {
      if (!n.dependsOn.includes(failed)) continue;
      pending.delete(n.id);
      outcomes.set(n.id, { id: n.id, status: 'skipped', because: root, attempts: 0, elapsedMs: 0 });
      emit({ type: 'skipped', id: n.id, elapsedMs: 0 });
      skipDependants(n.id, root);
    }
  };

  const depsDone = (n: WalkNode<T>): boolean => n.dependsOn.every((d) => outcomes.get(d)?.status === 'done');
  const lockKeys = new Map<string, readonly string[]>();
  const keysOf = (n: WalkNode<T>): readonly string[] => {
    let k = lockKeys.get(n.id);
    if (!k) {
      k = typeof n.locks === 'function' ? n.locks() : (n.locks ?? []);
      lockKeys.set(n.id, k);
    }
    return k;
  };

  for (const n of nodes) emit({ type: 'waiting', id: n.id, elapsedMs: 0 });

  await new Promise<void>((resolveAll) => {
    let finished = false;
    const stopWaking = limiter.onRelease(() => {
      if (!finished) pump();
    });
    // An abort cancels what has not started at once; what runs finishes.
    const onAbort = () => {
      if (!finished) pump();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const pump = (): void => {
      if (finished) return;
      if (options.signal?.aborted) {
        for (const n of [...pending.values()]) {
          pending.delete(n.id);
          outcomes.set(n.id, { id: n.id, status: 'cancelled', attempts: 0, elapsedMs: 0 });
          emit({ type: 'cancelled', id: n.id, elapsedMs: 0 });
        }
      }
      // Ready nodes in id order: deterministic, and a blocked node never holds up the others.
      for (const n of [...pending.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
        if (!depsDone(n)) continue;
        const keys = keysOf(n);
        if (!limiter.tryTake(keys)) continue;
        pending.delete(n.id);
        running += 1;
        void run(n, keys).then(() => {
          running -= 1;
          // Giving the slot back wakes every walk sharing the limiter, this one too.
          limiter.give(keys);
        });
      }
      // Done when nothing of ours runs and nothing left is ready: what remains waits on a failure already reported.
      // A ready node blocked only by slots other walks hold is woken by their release.
      if (running === 0 && ![...pending.values()].some(depsDone)) {
        finished = true;
        stopWaking();
        options.signal?.removeEventListener('abort', onAbort);
        resolveAll();
      }
    };

    const run = async (n: WalkNode<T>, keys: readonly string[]): Promise<void> => {
      const t0 = now();
      emit({ type: 'running', id: n.id, elapsedMs: 0 });
      const attempts = options.retry?.attempts ?? 1;
      for (let attempt = 1; ; attempt++) {
        try {
          await visit(n);
          limiter.observe(keys);
          outcomes.set(n.id, { id: n.id, status: 'done', attempts: attempt, elapsedMs: now() - t0 });
          emit({ type: 'done', id: n.id, elapsedMs: now() - t0 });
          return;
        } catch (error) {
          // Contention (a storage lock timeout) lowers the limits of the keys held, before any retry.
          limiter.observe(keys, error);
          const retry = options.retry;
          if (retry && attempt < attempts && retry.isRetryable(error) && !options.signal?.aborted) {
            emit({ type: 'retrying', id: n.id, attempt, error, elapsedMs: now() - t0 });
            await sleep(Math.round(random() * Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1))));
            continue;
          }
          outcomes.set(n.id, { id: n.id, status: 'failed', error, attempts: attempt, elapsedMs: now() - t0 });
          emit({ type: 'failed', id: n.id, error, elapsedMs: now() - t0 });
          skipDependants(n.id, n.id);
          return;
        }
      }
    };

    pump();
  });

  const counts: Record<WalkStatus, number> = { done: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const o of outcomes.values()) counts[o.status] += 1;
  return { outcomes, counts, wallMs: now() - started };
}
