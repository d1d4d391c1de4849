import { EngineError } from './engine-errors.ts';

/** A keyed limit learnt from the remote's answers: it starts at `initial` and moves between 1 and `max`. */
export interface AdaptiveLimit {
  readonly initial: number;
  readonly max: number;
}

export interface AdaptiveLimits {
  /** By exact key or `prefix:*`, e.g. `{ 'storage:*': { initial: 2, max: 16 } }`. */
  readonly limits: Readonly<Record<string, AdaptiveLimit>>;
  /** Whether a failed attempt met contention on what its keys stand for (a storage lock timeout). */
  readonly isContention: (error: unknown) => boolean;
}

/**
 * The slots walks draw from: a global concurrency, fixed keyed limits
 * (`node:*`, `network:*`...) and adaptive ones (`storage:*`). One limiter can
 * serve several walks at once (the stacks of one deploy running side by
 * side), so a remote never sees more than its limits whatever the number of
 * stacks; a walk that waits on a slot another walk holds is woken when it is
 * given back. An adaptive limit grows by one with each attempt that succeeds
 * holding its key and halves when one meets contention (additive increase,
 * multiplicative decrease), so it follows what the cluster can take instead
 * of a guess.
 */
export class WalkLimiter {
  private running = 0;
  private readonly held = new Map<string, number>();
  private readonly waiting = new Set<() => void>();
  private readonly learnt = new Map<string, number>();

  constructor(
    readonly concurrency: number,
    private readonly limits: Readonly<Record<string, number>> = {},
    private readonly adaptive?: AdaptiveLimits,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new EngineError(
        'ENGINE_INVALID_OPTION',
        `concurrency must be a whole number of at least 1, got ${concurrency}`,
        'give a concurrency of 1 or more',
      );
  }

  /** The limit of a key: its own, else its prefix's (`node:*`), else what was learnt of it, else none. */
  limitOf(key: string): number {
    if (this.limits[key] !== undefined) return this.limits[key];
    const fixed = this.limits[`${key.split(':')[0]}:*`];
    if (fixed !== undefined) return fixed;
    const adaptive = this.adaptiveOf(key);
    return adaptive ? (this.learnt.get(key) ?? adaptive.initial) : Number.POSITIVE_INFINITY;
  }

  private adaptiveOf(key: string): AdaptiveLimit | undefined {
    const limits = this.adaptive?.limits;
    return limits?.[key] ?? limits?.[`${key.split(':')[0]}:*`];
  }

  /**
   * What an attempt holding `keys` met: success grows each adaptive limit
   * by one (up to its max), contention halves it (down to 1); other
   * failures say nothing about the keys.
   */
  observe(keys: readonly string[], error?: unknown): void {
    const contention = error !== undefined && (this.adaptive?.isContention(error) ?? false);
    if (error !== undefined && !contention) return;
    for (const key of keys) {
      const adaptive = this.adaptiveOf(key);
      if (!adaptive || this.limits[key] !== undefined) continue;
      const now = this.limitOf(key);
      this.learnt.set(key, contention ? Math.max(1, Math.floor(now / 2)) : Math.min(adaptive.max, now + 1));
    }
  }

  /** Whether a slot and every key are free right now. */
  canTake(keys: readonly string[]): boolean {
    return this.running < this.concurrency && keys.every((k) => (this.held.get(k) ?? 0) < this.limitOf(k));
  }

  /** Takes a slot and the keys if they are free; false (taking nothing) otherwise. */
  tryTake(keys: readonly string[]): boolean {
    if (!this.canTake(keys)) return false;
    this.running += 1;
    for (const k of keys) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    return true;
  }

  give(keys: readonly string[]): void {
    this.running -= 1;
    for (const k of keys) this.held.set(k, (this.held.get(k) ?? 1) - 1);
    for (const wake of [...this.waiting]) wake();
  }

  /** Calls `wake` whenever something is given back; returns how to stop. */
  onRelease(wake: () => void): () => void {
    this.waiting.add(wake);
    return () => this.waiting.delete(wake);
  }
}
