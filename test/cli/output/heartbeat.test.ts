import { describe, expect, it } from 'vitest';
import { describeDoing, type Heartbeat } from '../../../lib/cli/output/heartbeat.ts';
import { LineProgress } from '../../../lib/cli/output/line-progress.ts';
import { LiveProgress } from '../../../lib/cli/output/live-progress.ts';
import { hasSize, selectProgress } from '../../../lib/cli/output/select-progress.ts';
import type { ResourceReport } from '../../../lib/engine/deploy-report.ts';

/** A clock moved by hand, whose timer ticks only when the test says so. */
function fakeClock(everyMs = 15_000) {
  let now = 1_000_000;
  let tick: (() => void) | undefined;
  let timers = 0;
  const clock: Heartbeat = {
    everyMs,
    now: () => now,
    repeat: (_ms, fn) => {
      tick = fn;
      timers++;
      return () => {
        tick = undefined;
      };
    },
  };
  return {
    clock,
    /** Moves the clock by `ms` and lets the timer fire, as it would each second. */
    advance(ms: number) {
      for (let step = 0; step < ms; step += 1000) {
        now += Math.min(1000, ms - step);
        tick?.();
      }
    },
    get running() {
      return tick !== undefined;
    },
    get timers() {
      return timers;
    },
  };
}

const clone: ResourceReport = {
  stack: 'acme',
  id: 'Vm',
  path: 'acme/acme-main/Guest/Vm',
  type: 'proxmox_virtual_environment_vm',
  action: 'create',
  changes: [
    { key: 'vm_id', from: undefined, to: 120, forcesReplacement: false },
    { key: 'clone.vm_id', from: undefined, to: 9001, forcesReplacement: false },
  ],
  listsProperties: true,
  destroysData: false,
  status: 'planned',
};

describe('heartbeat of plain-line output', () => {
  it('GIVEN an 87 s clone WHEN the output is plain lines THEN a line says it still runs every 15 s, then it is done', () => {
    const t = fakeClock();
    const out: string[] = [];
    const lines = new LineProgress((l) => out.push(l), 'Deployed', { heartbeat: t.clock });
    lines.event('acme', { type: 'running', id: 'Vm', elapsedMs: 0 }, clone);
    t.advance(14_000);
    expect(out).toEqual([]);
    t.advance(31_000);
    expect(out).toEqual([
      '  [acme] … still cloning vm 120 acme/acme-main/Guest/Vm (15 s)',
      '  [acme] … still cloning vm 120 acme/acme-main/Guest/Vm (30 s)',
      '  [acme] … still cloning vm 120 acme/acme-main/Guest/Vm (45 s)',
    ]);
    t.advance(42_000);
    lines.event('acme', { type: 'done', id: 'Vm', elapsedMs: 87_000 }, clone);
    expect(out.slice(3)).toEqual([
      '  [acme] … still cloning vm 120 acme/acme-main/Guest/Vm (60 s)',
      '  [acme] … still cloning vm 120 acme/acme-main/Guest/Vm (75 s)',
      '  [acme] + acme/acme-main/Guest/Vm create done 87.0s',
    ]);
    expect(t.running).toBe(false);
  });

  it('GIVEN an action that reported a step WHEN it still runs THEN the heartbeat line names the step', () => {
    const t = fakeClock();
    const out: string[] = [];
    const lines = new LineProgress((l) => out.push(l), 'Deployed', { heartbeat: t.clock });
    lines.event('acme', { type: 'running', id: 'Vm', elapsedMs: 2000 }, clone);
    lines.step('acme', 'acme/acme-main/Guest/Vm', 'waiting for the guest to boot');
    t.advance(13_000);
    expect(out.at(-1)).toBe(
      '  [acme] … still cloning vm 120 acme/acme-main/Guest/Vm (15 s): waiting for the guest to boot',
    );
  });

  it('GIVEN a short action WHEN it ends before 15 s THEN no heartbeat line is printed and the timer stops', () => {
    const t = fakeClock();
    const out: string[] = [];
    const lines = new LineProgress((l) => out.push(l), 'Deployed', { heartbeat: t.clock });
    lines.event('acme', { type: 'running', id: 'Vm', elapsedMs: 0 }, clone);
    t.advance(5_000);
    lines.event('acme', { type: 'done', id: 'Vm', elapsedMs: 5_000 }, clone);
    t.advance(60_000);
    expect(out).toEqual(['  [acme] + acme/acme-main/Guest/Vm create done 5.0s']);
    expect(t.running).toBe(false);
  });

  it('GIVEN a run that is stopped WHEN abort is called THEN the timer stops', () => {
    const t = fakeClock();
    const lines = new LineProgress(() => {}, 'Destroyed', { heartbeat: t.clock });
    lines.event('acme', { type: 'running', id: 'Vm', elapsedMs: 0 }, { ...clone, action: 'delete' });
    expect(t.running).toBe(true);
    lines.abort();
    expect(t.running).toBe(false);
  });

  it('GIVEN resources of each kind WHEN described THEN the words say what is done to what', () => {
    expect(describeDoing(clone)).toBe('cloning vm 120 acme/acme-main/Guest/Vm');
    expect(describeDoing({ ...clone, action: 'delete', changes: [] })).toBe(
      'deleting acme/acme-main/Guest/Vm',
    );
    expect(describeDoing({ ...clone, type: 'proxmox_virtual_environment_pool', path: 'acme/Pool' })).toBe(
      'creating acme/Pool',
    );
  });
});

describe('choosing the progress output', () => {
  const base = {
    json: false,
    out: () => {},
    verb: 'Deployed' as const,
    remote: { name: 'x', emulator: true, url: 'https://127.0.0.1:8006' },
  };
  const terminal = (rows: number, columns: number) =>
    ({
      isTTY: true,
      rows,
      columns,
      write: () => true,
      on() {
        return this;
      },
      off() {
        return this;
      },
      once() {
        return this;
      },
      removeListener() {
        return this;
      },
    }) as unknown as NodeJS.WriteStream;

  it('GIVEN a terminal that reports 0 rows WHEN progress is chosen THEN it gets plain lines, which print', () => {
    const out: string[] = [];
    const sink = selectProgress({
      ...base,
      out: (l) => out.push(l),
      terminal: terminal(0, 0),
      heartbeat: fakeClock().clock,
    });
    expect(sink).toBeInstanceOf(LineProgress);
    sink.event('acme', { type: 'done', id: 'Vm', elapsedMs: 1000 }, clone);
    expect(out).toEqual(['  [acme] + acme/acme-main/Guest/Vm create done 1.0s']);
    expect(hasSize({ rows: 40, columns: 0 })).toBe(false);
  });

  it('GIVEN a terminal with a size WHEN progress is chosen THEN it gets the live view', () => {
    const sink = selectProgress({ ...base, terminal: terminal(40, 120) });
    expect(sink).toBeInstanceOf(LiveProgress);
    sink.abort();
  });
});
