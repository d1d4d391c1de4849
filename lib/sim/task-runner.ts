import type { EmulatorState } from './state.ts';

/**
 * A Proxmox worker task, kept in the emulator's state so it outlives the
 * process that serves the emulator: what it is (the UPID's fields), when it
 * ends, the work to do then (a task kind and its arguments, plain JSON), and
 * how it ended.
 */
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
  latencyMs: number;
  /** Epoch ms when the worker started and when its work is done (moved by `retime` while it runs). */
  readonly startedAtMs: number;
  endsAtMs: number;
  /** The task kind's name and its arguments, as JSON: a restarted emulator finishes the task from these. */
  readonly work: { readonly kind: string; readonly args: unknown };
  status: 'running' | 'stopped';
  exitstatus?: string;
  log: string[];
  endtime?: number;
}

/** What a task kind's work sees when the worker ends. */
export interface TaskEnv {
  readonly state: EmulatorState;
  /** The task's log: lines pushed here stay in it also when the work then fails. */
  readonly log: string[];
  /** When the worker ends (epoch ms): the time the changes it makes carry. */
  readonly now: number;
  /** Marks the state dirty so it is persisted. */
  changed(): void;
}

/**
 * What a kind of worker does when its time is up. `run` makes the change and
 * returns log lines, or throws (Proxmox's `die` in the worker, see
 * workerDie) to fail the task; `undo` reverts what the request did up front
 * (locks, a half-made VM), as Proxmox's own error paths do, also when the
 * failure is injected. Both work from the state and the arguments alone.
 */
export interface TaskKind<Args> {
  readonly name: string;
  run(env: TaskEnv, args: Args): string[] | undefined;
  undo?(env: TaskEnv, args: Args): void;
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds kinds of every argument type; start() keeps each call typed.
export type AnyTaskKind = TaskKind<any>;

/** What a handler says of a task it starts. */
export interface TaskSpec {
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly user: string;
  /** At latency scale 1. */
  readonly latencyMs: number;
}

/**
 * Proxmox's `die` inside a worker: its text becomes the task's exit status
 * and its `TASK ERROR:` log line, as in Proxmox; it never leaves the emulator.
 */
export function workerDie(text: string): Error {
  return new Error(text);
}

/** A worker whose change the request made up front (or that changes nothing): it only logs its lines. */
export const logTask: TaskKind<string[]> = {
  name: 'log',
  run: (_env, lines) => lines,
};

/** How many finished tasks the state keeps (the oldest go first), so it does not grow without end. */
export const TASK_HISTORY = 1000;

/** Exit status of a worker whose work this emulator does not know (Proxmox's text for a vanished worker). */
const UNEXPECTED_STATUS = 'unexpected status';

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const FIRST_PID = 0x3a000;
const PSTART_BASE = 0x157c0de;

/**
 * Proxmox-style tasks: a UPID at once, the work done after a latency, then
 * `stopped` with `OK` or the error text, and a log ending in `TASK OK` or
 * `TASK ERROR: ...`. Tasks are part of the persisted state: when an emulator
 * starts on a data dir, `resume` finishes every task whose end passed while
 * no emulator ran (with that end as its end time) and schedules the others,
 * as a cluster that went on working while its client was away. A hook may
 * fail tasks on purpose (fault injection).
 */
export class TaskRunner {
  private readonly kinds = new Map<string, AnyTaskKind>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private nextPid: number;
  private stopped = false;
  private readonly stopHooks: Array<() => void> = [];
  taskFault: ((task: EmulatorTask) => string | undefined) | undefined;

  constructor(
    private readonly state: EmulatorState,
    private readonly latencyScale: number,
    private readonly changed: () => void = () => {},
  ) {
    this.register([logTask]);
    // UPIDs stay unique across restarts: pids go on from the highest one kept.
    const pids = Object.values(state.tasks ?? {}).map((t) => t.pid);
    this.nextPid = Math.max(FIRST_PID - 1, ...pids) + 1;
  }

  /** Makes kinds known by name, so persisted tasks of them can be finished. */
  register(kinds: readonly AnyTaskKind[]): void {
    for (const kind of kinds) this.kinds.set(kind.name, kind);
  }

  /** Starts a task whose `kind` runs with `args` when its (scaled) latency is over; returns the UPID. */
  start<Args>(spec: TaskSpec, kind: TaskKind<Args>, args: Args): string {
    // Kinds are registered up front (resume needs them); one started before that is known from now on.
    if (!this.kinds.has(kind.name)) this.kinds.set(kind.name, kind);
    const startedAtMs = Date.now();
    const now = Math.floor(startedAtMs / 1000);
    const pid = this.nextPid++;
    const { node, type, id, user } = spec;
    const upid = `UPID:${node}:${hex8(pid)}:${hex8(PSTART_BASE + pid)}:${hex8(now)}:${type}:${id}:${user}:`;
    const latencyMs = Math.max(0, Math.round(spec.latencyMs * this.latencyScale));
    const task: EmulatorTask = {
      upid,
      node,
      type,
      id,
      user,
      pid,
      pstart: PSTART_BASE + pid,
      starttime: now,
      latencyMs,
      startedAtMs,
      endsAtMs: startedAtMs + latencyMs,
      // Through JSON, so a task finished in this process and one finished after a restart see the same arguments.
      work: { kind: kind.name, args: JSON.parse(JSON.stringify(args ?? null)) as unknown },
      status: 'running',
      log: [],
    };
    this.state.tasks = { ...this.state.tasks, [upid]: task };
    this.changed();
    this.schedule(task, latencyMs);
    return upid;
  }

  /**
   * Picks up the tasks a previous emulator on this state left running:
   * finishes, in the order they end, those whose end has passed (each with
   * its own end time), and schedules the rest.
   */
  resume(now = Date.now()): void {
    const running = Object.values(this.state.tasks ?? {})
      .filter((t) => t.status === 'running' && !this.timers.has(t.upid))
      .sort((a, b) => a.endsAtMs - b.endsAtMs);
    for (const task of running) {
      if (task.endsAtMs <= now) this.finish(task);
      else this.schedule(task, task.endsAtMs - now);
    }
  }

  /** `ms` at latency scale 1 in wall-clock ms, as tasks take it. */
  scaled(ms: number): number {
    return ms * this.latencyScale;
  }

  /** Runs `hook` when the runner stops (timers of work its tasks wait for). */
  onStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  /**
   * Moves the end of a running task (a copy whose share of the storage
   * changed): its work is then done at `endsAtMs`, which the state keeps.
   */
  retime(upid: string, endsAtMs: number): void {
    const task = this.state.tasks?.[upid];
    if (task?.status !== 'running' || this.stopped) return;
    task.endsAtMs = Math.max(task.startedAtMs, Math.round(endsAtMs));
    task.latencyMs = task.endsAtMs - task.startedAtMs;
    clearTimeout(this.timers.get(upid));
    this.timers.delete(upid);
    this.schedule(task, Math.max(0, task.endsAtMs - Date.now()));
    this.changed();
  }

  get(upid: string): EmulatorTask | undefined {
    return this.state.tasks?.[upid];
  }

  list(node: string): EmulatorTask[] {
    return Object.values(this.state.tasks ?? {})
      .filter((t) => t.node === node)
      .sort((a, b) => b.starttime - a.starttime);
  }

  /** How many tasks are still running. */
  running(): number {
    return Object.values(this.state.tasks ?? {}).filter((t) => t.status === 'running').length;
  }

  /** Waits for every task this process has scheduled (used on close so state is consistent). */
  async drain(): Promise<void> {
    while (this.timers.size) await new Promise((r) => setTimeout(r, 5));
  }

  /** Cancels the timers; running tasks stay running in the state, for the next emulator to finish. */
  stop(): void {
    this.stopped = true;
    for (const hook of this.stopHooks) hook();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(task: EmulatorTask, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(task.upid);
      this.finish(task);
    }, delayMs);
    this.timers.set(task.upid, timer);
  }

  private finish(task: EmulatorTask): void {
    if (task.status !== 'running') return;
    const kind = this.kinds.get(task.work.kind);
    const env: TaskEnv = { state: this.state, log: task.log, now: task.endsAtMs, changed: this.changed };
    if (!kind) {
      this.end(task, UNEXPECTED_STATUS, `TASK ERROR: ${UNEXPECTED_STATUS}`);
      return;
    }
    const injected = this.taskFault?.(task);
    try {
      if (injected) throw workerDie(injected);
      task.log.push(...(kind.run(env, task.work.args) ?? []));
      this.end(task, 'OK', 'TASK OK');
    } catch (e) {
      const text = (e as Error).message;
      kind.undo?.(env, task.work.args);
      this.end(task, text, `TASK ERROR: ${text}`);
    }
  }

  private end(task: EmulatorTask, exitstatus: string, lastLine: string): void {
    task.log.push(lastLine);
    task.exitstatus = exitstatus;
    task.status = 'stopped';
    task.endtime = Math.floor(task.endsAtMs / 1000);
    this.prune();
    this.changed();
  }

  /** Drops the oldest finished tasks beyond TASK_HISTORY. */
  private prune(): void {
    const tasks = this.state.tasks ?? {};
    const finished = Object.values(tasks).filter((t) => t.status === 'stopped');
    if (finished.length <= TASK_HISTORY) return;
    finished.sort((a, b) => a.endsAtMs - b.endsAtMs);
    for (const t of finished.slice(0, finished.length - TASK_HISTORY)) delete tasks[t.upid];
  }
}
