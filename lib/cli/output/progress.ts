import type { DeployReport, ResourceReport } from '../../engine/deploy-report.ts';
import type { WalkEvent } from '../../engine/graph-walker.ts';

/**
 * Where a deploy or destroy reports as it goes: a live view on a terminal,
 * plain lines otherwise, NDJSON events with --json. The engine calls
 * `changes` once per stack before writing, then `event` per walker event.
 */
export interface ProgressSink {
  changes(stack: string, resources: readonly ResourceReport[]): void;
  event(stack: string, event: WalkEvent, resource: ResourceReport | undefined): void;
  /** A step inside one resource's action (the snapshot around a critical change). */
  step(stack: string, path: string, text: string): void;
  /** Stops any live rendering and prints the final result, with the run's exit code. */
  finish(report: DeployReport, wallMs: number, exitCode: number): void;
  /** Stops live rendering without a result (an error is about to be printed). */
  abort(): void;
}
