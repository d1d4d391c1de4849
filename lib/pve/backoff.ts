/** Retry timing: exponential backoff with full jitter, so parallel clients do not retry in step. */
export interface BackoffOptions {
  /** Attempts in all, including the first. */
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { attempts: 5, baseMs: 250, maxMs: 8_000 };

/** The wait before retry number `retry` (1-based). */
export function backoffDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
