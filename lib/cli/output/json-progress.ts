import { summarizeThrown } from '../../core/error-family.ts';
import type { DeployReport, ResourceReport } from '../../engine/deploy-report.ts';
import { summarize } from '../../engine/deploy-report.ts';
import type { WalkEvent } from '../../engine/graph-walker.ts';
import type { RemoteInfo } from '../commands/run-outcome.ts';
import type { ProgressSink } from './progress.ts';

/**
 * `--json`: one JSON object per line (NDJSON), so a pipeline can follow a
 * deploy as it runs: `plan` per stack, `resource` per walker event, and a
 * final `result`.
 */
export class JsonProgress implements ProgressSink {
  constructor(
    private readonly out: (line: string) => void,
    private readonly remote: RemoteInfo,
  ) {}

  changes(stack: string, resources: readonly ResourceReport[]): void {
    this.out(JSON.stringify({ type: 'plan', stack, resources }));
  }

  event(stack: string, event: WalkEvent, r: ResourceReport | undefined): void {
    const failure = 'error' in event ? summarizeThrown(event.error) : undefined;
    this.out(
      JSON.stringify({
        type: 'resource',
        stack,
        id: event.id,
        path: r?.path,
        action: r?.action,
        status: event.type,
        elapsedMs: Math.round(event.elapsedMs),
        ...(failure
          ? {
              error: failure.message,
              ...(failure.code ? { code: failure.code } : {}),
              ...(failure.hint ? { hint: failure.hint } : {}),
            }
          : {}),
        ...(event.type === 'retrying' ? { attempt: event.attempt } : {}),
      }),
    );
  }

  step(stack: string, path: string, text: string): void {
    this.out(JSON.stringify({ type: 'step', stack, path, message: text }));
  }

  finish(report: DeployReport, wallMs: number, exitCode: number): void {
    this.out(
      JSON.stringify({
        type: 'result',
        ok: report.ok,
        exitCode,
        remote: this.remote,
        ...(report.interrupted ? { interrupted: true } : {}),
        stacks: report.stacks,
        summary: summarize(report.resources),
        wallMs: Math.round(wallMs),
        resources: report.resources,
      }),
    );
  }

  abort(): void {}
}
