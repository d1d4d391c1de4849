import { summarizeThrown } from '../../core/error-family.ts';
import type { DeployReport, ResourceReport } from '../../engine/deploy-report.ts';
import { summarize } from '../../engine/deploy-report.ts';
import type { WalkEvent } from '../../engine/graph-walker.ts';
import { type Palette, PLAIN } from './colour.ts';
import { hintLine } from './error-output.ts';
import {
  ACTION_SYMBOL,
  actionPaint,
  describeResource,
  formatSeconds,
  formatSummary,
  isActionable,
} from './format.ts';
import { type Heartbeat, HeartbeatLines } from './heartbeat.ts';
import type { ProgressSink } from './progress.ts';

/** A stack's plan in one line: how many resources change, stay, and wait for a handler. */
export function planLine(stack: string, resources: readonly ResourceReport[]): string {
  const acting = resources.filter(isActionable).length;
  const unchanged = resources.filter((r) => r.status === 'unchanged').length;
  const pending = resources.filter((r) => r.status === 'pending').length;
  return `stack ${stack}: ${acting} to change, ${unchanged} unchanged${pending ? `, ${pending} pending` : ''}`;
}

export interface LineProgressOptions {
  readonly palette?: Palette;
  /** Lines for actions that run long; none when absent (the live view shows their time itself). */
  readonly heartbeat?: Heartbeat;
}

/**
 * Plain lines, for logs and pipes: the plan of each stack (each resource
 * that changes with its property changes, a created one with every
 * property), then one line per finished action, and while an action runs
 * long a line now and then saying it still runs (an 87 s clone is not
 * silence in a CI log).
 */
export class LineProgress implements ProgressSink {
  private readonly palette: Palette;
  private readonly beats: HeartbeatLines | undefined;

  constructor(
    private readonly out: (line: string) => void,
    private readonly verb: 'Deployed' | 'Destroyed',
    options: LineProgressOptions = {},
  ) {
    this.palette = options.palette ?? PLAIN;
    this.beats = options.heartbeat ? new HeartbeatLines(options.heartbeat, out, this.palette) : undefined;
  }

  changes(stack: string, resources: readonly ResourceReport[]): void {
    this.out(planLine(stack, resources));
    for (const r of resources.filter((x) => isActionable(x) || x.status === 'failed'))
      this.out(describeResource(r, this.palette));
  }

  event(stack: string, event: WalkEvent, r: ResourceReport | undefined): void {
    const p = this.palette;
    const what = r ? actionPaint(r.action, p)(`${ACTION_SYMBOL[r.action]} ${r.path} ${r.action}`) : event.id;
    if (event.type === 'running') this.beats?.started(stack, event, r);
    else if (event.type !== 'waiting' && event.type !== 'retrying') this.beats?.ended(stack, event.id);
    switch (event.type) {
      case 'done':
        this.out(`  [${stack}] ${what} ${p.ok('done')} ${formatSeconds(event.elapsedMs)}`);
        return;
      case 'failed':
        this.out(
          `  [${stack}] ${what} ${p.failed('FAILED')} after ${formatSeconds(event.elapsedMs)}: ${message(event.error)}`,
        );
        return;
      case 'retrying':
        this.out(
          `  [${stack}] ${what} ${p.warning(`retrying (attempt ${event.attempt + 1})`)}: ${message(event.error)}`,
        );
        return;
      case 'skipped':
        this.out(
          `  [${stack}] ${what} ${p.warning('skipped')}: ${r?.error ?? 'a resource it depends on failed'}`,
        );
        return;
      default:
        return;
    }
  }

  step(stack: string, path: string, text: string): void {
    this.beats?.stepped(stack, path, text);
    this.out(`  [${stack}] ${path}: ${text}`);
  }

  finish(report: DeployReport, wallMs: number): void {
    this.beats?.stop();
    const noun = this.verb === 'Deployed' ? 'Deploy' : 'Destroy';
    const verb = report.interrupted
      ? this.palette.warning(`${noun} STOPPED (Ctrl-C; run it again to finish)`)
      : report.ok
        ? this.palette.ok(this.verb)
        : this.palette.failed(`${noun} FAILED`);
    const s = summarize(report.resources);
    const counts =
      this.verb === 'Destroyed'
        ? `deleted ${s.deleted}, failed ${s.failed}, skipped ${s.skipped}, in ${(wallMs / 1000).toFixed(1)} s`
        : formatSummary(s, wallMs);
    this.out(`${verb}: ${report.stacks.join(', ')} (${counts})`);
  }

  abort(): void {
    this.beats?.stop();
  }
}

/** The error's code and message and, under them, its hint; indented under the event's line. */
function message(error: unknown): string {
  const { message, code, hint } = summarizeThrown(error);
  return `${code ? `${code}: ` : ''}${message}${hintLine(hint)}`.split('\n').join('\n      ');
}
