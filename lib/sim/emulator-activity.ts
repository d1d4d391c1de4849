/**
 * When an emulator was last used: its last request, and leases clients hold
 * ("keep serving while I run") because they may be quiet for a while (a CLI
 * waiting for its operator's answer). A background emulator exits once it
 * has been idle long enough, never while a lease holds or a task runs.
 */
export class EmulatorActivity {
  private lastUsedAt: number;
  /** Lease holders and until when (epoch ms) each holds. */
  private readonly leases = new Map<string, number>();

  constructor(now = Date.now()) {
    this.lastUsedAt = now;
  }

  /** A request came in. */
  touch(now = Date.now()): void {
    this.lastUsedAt = Math.max(this.lastUsedAt, now);
  }

  /** `holder` asks that the emulator serve at least `seconds` more; returns until when (epoch ms). */
  lease(holder: string, seconds: number, now = Date.now()): number {
    this.touch(now);
    const until = now + seconds * 1000;
    this.leases.set(holder, until);
    return until;
  }

  /** `holder` is done; idle time counts from now. */
  endLease(holder: string, now = Date.now()): void {
    this.touch(now);
    this.leases.delete(holder);
  }

  /** How many leases hold now. */
  leaseCount(now = Date.now()): number {
    this.expire(now);
    return this.leases.size;
  }

  /** How long the emulator has been idle: 0 while a lease holds or a task runs. */
  idleMs(runningTasks: number, now = Date.now()): number {
    this.expire(now);
    if (runningTasks > 0 || this.leases.size > 0) return 0;
    return Math.max(0, now - this.lastUsedAt);
  }

  /** Leases that ran out count as use until their end (their holder went away without a word). */
  private expire(now: number): void {
    for (const [holder, until] of this.leases) {
      if (until > now) continue;
      this.leases.delete(holder);
      this.lastUsedAt = Math.max(this.lastUsedAt, until);
    }
  }
}
