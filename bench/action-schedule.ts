/**
 * Lower bounds for a walk of an action graph whose action durations are
 * known: the longest dependency chain, and the makespan of a zero-overhead
 * list schedule under the same concurrency and keyed limits as the walker.
 */
export interface TimedAction {
  readonly id: string;
  readonly dependsOn: readonly string[];
  /** Semaphore keys held while it runs (`node:pve1`, `template:9001`). */
  readonly locks: readonly string[];
  readonly durationMs: number;
}

export interface ScheduleLimits {
  readonly concurrency: number;
  /** By exact key or `prefix:*`, as the walker reads them. */
  readonly keyed: Readonly<Record<string, number>>;
}

function capacity(key: string, keyed: Readonly<Record<string, number>>): number {
  return keyed[key] ?? keyed[`${key.slice(0, key.indexOf(':'))}:*`] ?? Number.POSITIVE_INFINITY;
}

/** The chain of dependencies with the largest summed duration, ignoring every limit. */
export function longestChain(actions: readonly TimedAction[]): { lengthMs: number; chain: string[] } {
  const byId = new Map(actions.map((a) => [a.id, a]));
  const finish = new Map<string, { at: number; via: string | undefined }>();
  const finishOf = (id: string): number => {
    const known = finish.get(id);
    if (known) return known.at;
    const a = byId.get(id)!;
    let start = 0;
    let via: string | undefined;
    for (const d of a.dependsOn) {
      const at = finishOf(d);
      if (at > start) [start, via] = [at, d];
    }
    finish.set(id, { at: start + a.durationMs, via });
    return start + a.durationMs;
  };
  let last: string | undefined;
  for (const a of actions) if (last === undefined || finishOf(a.id) > finishOf(last)) last = a.id;
  const chain: string[] = [];
  for (let id = last; id !== undefined; id = finish.get(id)!.via) chain.unshift(id);
  return { lengthMs: last === undefined ? 0 : finishOf(last), chain };
}

/**
 * Replays the walker's policy with no overhead at all: whenever an action
 * ends, ready actions start in id order while the concurrency and every one
 * of their keyed limits allow. Its makespan is what the engine's scheduling
 * could reach if reading, planning and its own bookkeeping took no time.
 */
export function listSchedule(
  actions: readonly TimedAction[],
  limits: ScheduleLimits,
): { makespanMs: number; startMs: Map<string, number> } {
  const pending = [...actions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const endMs = new Map<string, number>();
  const startMs = new Map<string, number>();
  const running: TimedAction[] = [];
  const held = new Map<string, number>();
  let now = 0;
  while (pending.length || running.length) {
    for (let i = 0; i < pending.length && running.length < limits.concurrency; ) {
      const a = pending[i]!;
      const ready = a.dependsOn.every((d) => (endMs.get(d) ?? Number.POSITIVE_INFINITY) <= now);
      const free = a.locks.every((k) => (held.get(k) ?? 0) < capacity(k, limits.keyed));
      if (!ready || !free) {
        i += 1;
        continue;
      }
      pending.splice(i, 1);
      running.push(a);
      startMs.set(a.id, now);
      endMs.set(a.id, now + a.durationMs);
      for (const k of a.locks) held.set(k, (held.get(k) ?? 0) + 1);
    }
    if (!running.length) {
      if (pending.length) throw new Error(`unschedulable: ${pending.map((a) => a.id).join(', ')}`);
      break;
    }
    // Advance to the next completion and release what it held.
    now = Math.min(...running.map((a) => endMs.get(a.id)!));
    for (const a of running.filter((r) => endMs.get(r.id)! <= now)) {
      running.splice(running.indexOf(a), 1);
      for (const k of a.locks) held.set(k, held.get(k)! - 1);
    }
  }
  return { makespanMs: Math.max(0, ...endMs.values()), startMs };
}
