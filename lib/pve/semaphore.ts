import { PveError } from './errors.ts';

/** A counting semaphore: at most `limit` holders at once, others wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new PveError('PVE_INVALID_REQUEST', `concurrency must be a positive integer, got ${limit}`, {
        hint: 'give the client a concurrency of 1 or more',
      });
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  get inFlight(): number {
    return this.active;
  }
}
