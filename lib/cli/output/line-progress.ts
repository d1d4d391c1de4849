import { summarizeThrown } from '../../core/error-family.ts';
import type { DeployReport, ResourceReport } from '../../engine/deploy-report.ts';
import { summarize } from '../../engine/deploy-report.ts';
import type { WalkEvent } from '../../engine/graph-walker.ts';
import { hintLine } from './error-output.ts';
import { ACTION_SYMBOL, describeResource, formatSeconds, formatSummary, isActionable } from './format.ts';
import type { ProgressSink } from './progress.ts';

/** A stack's plan in one line: how many resources change, stay, and wait for a handler. */
export function planLine(stack: string, resources: readonly ResourceReport[]): string {
  const acting = resources.filter(isActionable).length;
  const unchanged = resources.filter((r) => r.status === 'unchanged').length;
  const pending = resources.filter((r) => r.status === 'pending').length;
  return `stack ${stack}: ${acting} to change, ${unchanged} unchanged${pending ? `, ${pending} pending` : ''}`;
}

/**
 * Plain lines, for logs and pipes: the plan of each stack (each resource
 * that changes with its property changes, a created one with every
 * property), then one line per finished action.
 */
export class LineProgress implements ProgressSink {
  constructor(
    private readonly out: (line: string) => void,
    private readonly verb: 'Deployed' | 'Destroyed',
  ) {}

  changes(stack: string, resources: readonly ResourceReport[]): void {
    this.out(planLine(stack, resources));
    for (const r of resources.filter((x) => isActionable(x) || x.status === 'failed'))
      this.out(describeResource(r));
  }

  event(stack: string, event: WalkEvent, r: ResourceReport | undefined): void {
    const what = r ? `${ACTION_SYMBOL[r.action]} ${r.path} ${r.action}` : event.id;
    switch (event.type) {
      case 'done':
        this.out(`  [${stack}] ${what} done ${formatSeconds(event.elapsedMs)}`);
        return;
      case 'failed':
        this.out(
          `  [${stack}] ${what} FAILED after ${formatSeconds(event.elapsedMs)}: ${message(event.error)}`,
        );
        return;
      case 'retrying':
        this.out(`  [${stack}] ${what} retrying (attempt ${event.attempt + 1}): ${message(event.error)}`);
        return;
      case 'skipped':
        this.out(`  [${stack}] ${what} skipped: ${r?.error ?? 'a resource it depends on failed'}`);
        return;
      default:
        return;
    }
  }

  step(stack: string, path: string, text: string): void {
    this.out(`  [${stack}] ${path}: ${text}`);
  }

  finish(report: DeployReport, wallMs: number): void {
    const noun = this.verb === 'Deployed' ? 'Deploy' : 'Destroy';
    const verb = report.interrupted
      ? `${noun} STOPPED (Ctrl-C; run it again to finish)`
      : report.ok
        ? this.verb
        : `${noun} FAILED`;
    const s = summarize(report.resources);
    const counts =
      this.verb === 'Destroyed'
        ? `deleted ${s.deleted}, failed ${s.failed}, skipped ${s.skipped}, in ${(wallMs / 1000).toFixed(1)} s`
        : formatSummary(s, wallMs);
    this.out(`${verb}: ${report.stacks.join(', ')} (${counts})`);
  }

  abort(): void {}
}

/** The error's code and message and, under them, its hint; indented under the event's line. */
function message(error: unknown): string {
  const { message, code, hint } = summarizeThrown(error);
  return `${code ? `${code}: ` : ''}${message}${hintLine(hint)}`.split('\n').join('\n      ');
}
