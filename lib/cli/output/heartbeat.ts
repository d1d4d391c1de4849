import type { ResourceReport } from '../../engine/deploy-report.ts';
import type { Palette } from './colour.ts';

/** How often plain-line output says that an action still runs. */
export const HEARTBEAT_MS = 15_000;

/** The clock and timer of heartbeat lines; tests give a fake one and tick it by hand. */
export interface Heartbeat {
  /** At least this long between two lines about the same action, and before the first. */
  readonly everyMs: number;
  readonly now: () => number;
  /** Calls `tick` every `ms` until the returned function is called. */
  readonly repeat: (ms: number, tick: () => void) => () => void;
}

/** The real clock: a timer that never keeps the process alive by itself. */
export function realHeartbeat(everyMs = HEARTBEAT_MS): Heartbeat {
  return {
    everyMs,
    now: Date.now,
    repeat: (ms, tick) => {
      const timer = setInterval(tick, ms);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

interface Running {
  readonly stack: string;
  readonly what: string;
  readonly path: string | undefined;
  readonly startedAt: number;
  lastLineAt: number;
  step?: string;
}

/**
 * The heartbeat of plain-line output: while an action runs, every
 * `everyMs` a line such as `[acme] … still cloning vm 1001
 * acme/acme-main/Guest/Vm (45 s)`, with the last step it reported. The
 * timer runs only while something runs.
 */
export class HeartbeatLines {
  private readonly running = new Map<string, Running>();
  private cancel: (() => void) | undefined;

  constructor(
    private readonly clock: Heartbeat,
    private readonly out: (line: string) => void,
    private readonly palette: Palette,
  ) {}

  started(
    stack: string,
    event: { readonly id: string; readonly elapsedMs: number },
    r?: ResourceReport,
  ): void {
    const startedAt = this.clock.now() - event.elapsedMs;
    this.running.set(`${stack}\u0000${event.id}`, {
      stack,
      what: r ? describeDoing(r) : event.id,
      path: r?.path,
      startedAt,
      lastLineAt: startedAt,
    });
    this.cancel ??= this.clock.repeat(Math.min(1000, this.clock.everyMs), () => this.tick());
  }

  stepped(stack: string, path: string, text: string): void {
    for (const r of this.running.values()) if (r.stack === stack && r.path === path) r.step = text;
  }

  ended(stack: string, id: string): void {
    this.running.delete(`${stack}\u0000${id}`);
    if (this.running.size === 0) this.stop();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Prints a line for each action that has run `everyMs` since its last line (or its start). */
  tick(): void {
    const now = this.clock.now();
    for (const r of this.running.values()) {
      if (now - r.lastLineAt < this.clock.everyMs) continue;
      r.lastLineAt = now;
      const seconds = Math.round((now - r.startedAt) / 1000);
      const step = r.step ? `: ${r.step}` : '';
      this.out(`  [${r.stack}] ${this.palette.dim(`… still ${r.what} (${seconds} s)${step}`)}`);
    }
  }
}

const DOING: Readonly<Record<ResourceReport['action'], string>> = {
  create: 'creating',
  update: 'updating',
  replace: 'replacing',
  delete: 'deleting',
  'no-op': 'checking',
  pending: 'waiting for',
};

/** `cloning vm 1001 acme/acme-main/Guest/Vm`: what the action does, to what, in words. */
export function describeDoing(r: ResourceReport): string {
  const vmId = r.changes.find((c) => c.key === 'vm_id')?.to;
  const isVm = r.type === 'proxmox_virtual_environment_vm';
  const cloned = isVm && r.changes.some((c) => c.key === 'clone' || c.key.startsWith('clone.'));
  const verb = cloned && (r.action === 'create' || r.action === 'replace') ? 'cloning' : DOING[r.action];
  const object = isVm && typeof vmId === 'number' ? `vm ${vmId} ` : '';
  return `${verb} ${object}${r.path}`;
}
