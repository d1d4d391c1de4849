export interface EmulatorTask {
  readonly upid: string;
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly user: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  /** How long the work takes, after the latency scale: what a perfect client would wait for. */
  readonly latencyMs: number;
  status: 'running' | 'stopped';
  exitstatus?: string;
  log: string[];
  endtime?: number;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/**
 * Proxmox-style tasks: a UPID at once, the work done after a latency, then
 * `stopped` with `OK` or the error text, and a log ending in `TASK OK` or
 * `TASK ERROR: ...`. A hook may fail tasks on purpose (fault injection).
 */
export class TaskRunner {
  private readonly tasks = new Map<string, EmulatorTask>();
  private nextPid = 0x3a000;
  private readonly timers = new Set<NodeJS.Timeout>();
  taskFault: ((task: EmulatorTask) => string | undefined) | undefined;

  constructor(private readonly latencyScale: number) {}

  /**
   * Starts a task; `work` runs after `latencyMs` (scaled) and may throw to fail
   * it; `onFail` undoes what the request did up front (locks, a half-made VM),
   * as Proxmox's own error paths do, also when the failure is injected.
   * Returns the UPID.
   */
  start(
    node: string,
    type: string,
    id: string,
    user: string,
    latencyMs: number,
    work: () => string[] | undefined,
    onFail?: () => void,
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const pid = this.nextPid++;
    const upid = `UPID:${node}:${hex8(pid)}:${hex8(0x157c0de + pid)}:${hex8(now)}:${type}:${id}:${user}:`;
    const scaledMs = Math.max(0, Math.round(latencyMs * this.latencyScale));
    const task: EmulatorTask = {
      upid,
      node,
      type,
      id,
      user,
      pid,
      pstart: 0x157c0de + pid,
      starttime: now,
      latencyMs: scaledMs,
      status: 'running',
      log: [],
    };
    this.tasks.set(upid, task);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const injected = this.taskFault?.(task);
      try {
        // A plain Error is Proxmox's `die` inside a worker, not a pvecdk error: its text becomes
        // the task's exit status and log line (below), as in Proxmox; it never leaves the emulator.
        if (injected) throw new Error(injected);
        task.log.push(...(work() ?? []));
        task.log.push('TASK OK');
        task.exitstatus = 'OK';
      } catch (e) {
        const text = (e as Error).message;
        onFail?.();
        task.log.push(`TASK ERROR: ${text}`);
        task.exitstatus = text;
      }
      task.status = 'stopped';
      task.endtime = Math.floor(Date.now() / 1000);
    }, scaledMs);
    this.timers.add(timer);
    return upid;
  }

  get(upid: string): EmulatorTask | undefined {
    return this.tasks.get(upid);
  }

  list(node: string): EmulatorTask[] {
    return [...this.tasks.values()].filter((t) => t.node === node).sort((a, b) => b.starttime - a.starttime);
  }

  /** Waits for every running task (used on close so state is consistent). */
  async drain(): Promise<void> {
    while ([...this.tasks.values()].some((t) => t.status === 'running') && this.timers.size) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
