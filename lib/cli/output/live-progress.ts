import { createLogUpdate } from 'log-update';
import { summarizeThrown } from '../../core/error-family.ts';
import type { DeployReport, ResourceReport } from '../../engine/deploy-report.ts';
import type { WalkEvent } from '../../engine/graph-walker.ts';
import { type Palette, PLAIN } from './colour.ts';
import { hintLine } from './error-output.ts';
import { ACTION_SYMBOL, actionPaint, describeResource, formatSeconds, isActionable } from './format.ts';
import { LineProgress, planLine } from './line-progress.ts';
import type { ProgressSink } from './progress.ts';

type RowState = 'waiting' | 'running' | 'retrying' | 'done' | 'failed' | 'skipped';

interface Row {
  readonly stack: string;
  readonly report: ResourceReport;
  state: RowState;
  startedAt?: number;
  elapsedMs?: number;
  detail?: string;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ICON: Record<Exclude<RowState, 'running' | 'retrying'>, string> = {
  waiting: '·',
  done: '✔',
  failed: '✖',
  skipped: '↷',
};

/**
 * The terminal view: one line per resource being changed (waiting, running
 * with a spinner and its elapsed time, done, failed), a header with overall
 * progress, redrawn in place. What does not fit the terminal is folded into
 * a count, running and failed rows first. The final summary and failures are
 * printed as plain lines, so they stay in the scrollback.
 */
export class LiveProgress implements ProgressSink {
  private readonly rows = new Map<string, Row>();
  private readonly render: ReturnType<typeof createLogUpdate>;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private frame = 0;
  private readonly lines: LineProgress;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly out: (line: string) => void,
    private readonly verb: 'Deployed' | 'Destroyed',
    private readonly palette: Palette = PLAIN,
  ) {
    this.render = createLogUpdate(stream, { showCursor: false });
    this.lines = new LineProgress(out, verb, { palette });
    this.timer = setInterval(() => this.draw(), 120);
    this.timer.unref();
  }

  changes(stack: string, resources: readonly ResourceReport[]): void {
    // The plan line goes above the live block, which is redrawn below it; rows, not properties, stay compact.
    this.render.clear();
    this.out(planLine(stack, resources));
    for (const r of resources.filter((x) => x.status === 'failed'))
      this.out(describeResource(r, this.palette));
    for (const r of resources.filter(isActionable))
      this.rows.set(`${stack}/${r.id}`, { stack, report: r, state: 'waiting' });
    this.draw();
  }

  event(stack: string, event: WalkEvent, _r: ResourceReport | undefined): void {
    const row = this.rows.get(`${stack}/${event.id}`);
    if (!row) return;
    switch (event.type) {
      case 'running':
        row.state = 'running';
        row.startedAt = Date.now() - event.elapsedMs;
        break;
      case 'retrying':
        row.state = 'retrying';
        row.detail = `retry ${event.attempt + 1}: ${firstLine(event.error)}`;
        break;
      case 'done':
        row.state = 'done';
        row.elapsedMs = event.elapsedMs;
        break;
      case 'failed':
        row.state = 'failed';
        row.elapsedMs = event.elapsedMs;
        row.detail = firstLine(event.error);
        break;
      case 'skipped':
      case 'cancelled':
        row.state = 'skipped';
        break;
      default:
        return;
    }
    this.draw();
  }

  step(stack: string, path: string, text: string): void {
    const row = [...this.rows.values()].find((r) => r.stack === stack && r.report.path === path);
    if (!row) return;
    row.detail = text;
    this.draw();
  }

  finish(report: DeployReport, wallMs: number): void {
    this.stop();
    for (const r of report.resources.filter((x) => x.status === 'failed'))
      this.out(
        `  ${this.palette.failed('✖')} ${r.path}: ${this.palette.failed(`${r.errorCode ? `${r.errorCode}: ` : ''}${r.error ?? 'failed'}`)}${hintLine(r.hint, '      ')}`,
      );
    this.lines.finish(report, wallMs);
  }

  abort(): void {
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.draw();
    this.render.done();
  }

  private draw(): void {
    this.frame++;
    const rows = [...this.rows.values()];
    const count = (s: RowState) => rows.filter((r) => r.state === s).length;
    const finished = count('done') + count('failed') + count('skipped');
    const header = `${this.verb === 'Deployed' ? 'Deploying' : 'Destroying'} ${finished}/${rows.length} · ${count('running') + count('retrying')} running · ${count('failed')} failed · ${formatSeconds(Date.now() - this.startedAt)}`;
    const budget = Math.max(3, (this.stream.rows ?? 24) - 3);
    const rank: Record<RowState, number> = {
      failed: 0,
      running: 1,
      retrying: 1,
      waiting: 2,
      skipped: 3,
      done: 4,
    };
    const shown =
      rows.length <= budget
        ? rows
        : [...rows].sort((a, b) => rank[a.state] - rank[b.state]).slice(0, budget - 1);
    const width = Math.min(60, Math.max(...shown.map((r) => r.report.path.length), 10));
    const lines = shown.map((r) => this.line(r, width));
    if (shown.length < rows.length)
      lines.push(`  … ${rows.length - shown.length} more (${count('done')} done)`);
    this.render([header, ...lines].join('\n'));
  }

  private line(r: Row, width: number): string {
    const p = this.palette;
    const icon =
      r.state === 'running' || r.state === 'retrying'
        ? SPINNER[this.frame % SPINNER.length]!
        : r.state === 'done'
          ? p.ok(ICON.done)
          : r.state === 'failed'
            ? p.failed(ICON.failed)
            : r.state === 'skipped'
              ? p.warning(ICON.skipped)
              : p.dim(ICON.waiting);
    const elapsed =
      r.elapsedMs !== undefined
        ? formatSeconds(r.elapsedMs)
        : r.startedAt !== undefined
          ? formatSeconds(Date.now() - r.startedAt)
          : '';
    const path =
      r.report.path.length > width ? `…${r.report.path.slice(-(width - 1))}` : r.report.path.padEnd(width);
    const detail = r.detail && r.state !== 'done' && r.state !== 'waiting' ? `  ${r.detail}` : '';
    const paint = actionPaint(r.report.action, p);
    return `  ${icon} ${paint(ACTION_SYMBOL[r.report.action])} ${path} ${paint(r.report.action.padEnd(7))} ${r.state.padEnd(8)} ${elapsed}${detail}`;
  }
}

/** The error's code and the first line of its message, short enough for one row. */
function firstLine(error: unknown): string {
  const { message, code } = summarizeThrown(error);
  return `${code ? `${code}: ` : ''}${message.split('\n')[0]!}`.slice(0, 120);
}
