import { EngineError } from './engine-errors.ts';

/**
 * The slots walks draw from: a global concurrency and keyed limits
 * (`template:*`, `storage:*`, `node:*`...). One limiter can serve several
 * walks at once (the stacks of one deploy running side by side), so a remote
 * never sees more than its limits whatever the number of stacks; a walk that
 * waits on a slot another walk holds is woken when it is given back.
 */
export class WalkLimiter {
  private running = 0;
  private readonly held = new Map<string, number>();
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly concurrency: number,
    private readonly limits: Readonly<Record<string, number>> = {},
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new EngineError(
        'ENGINE_INVALID_OPTION',
        `concurrency must be a whole number of at least 1, got ${concurrency}`,
        'give a concurrency of 1 or more',
      );
  }

  /** The limit of a key: its own, else its prefix's (`node:*`), else none. */
  limitOf(key: string): number {
    if (this.limits[key] !== undefined) return this.limits[key];
    return this.limits[`${key.split(':')[0]}:*`] ?? Number.POSITIVE_INFINITY;
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
