import type { RemoteInfo } from '../commands/run-outcome.ts';
import { type Palette, PLAIN } from './colour.ts';
import { type Heartbeat, realHeartbeat } from './heartbeat.ts';
import { JsonProgress } from './json-progress.ts';
import { LineProgress } from './line-progress.ts';
import { LiveProgress } from './live-progress.ts';
import type { ProgressSink } from './progress.ts';

/**
 * NDJSON with --json; the live view on a terminal whose size is known; plain
 * lines anywhere else, with a heartbeat for actions that run long. A terminal
 * that reports 0 rows or columns (some CI runners, `script`, a container
 * without a size) gets plain lines: the live view would fit nothing in it.
 */
export function selectProgress(options: {
  readonly json: boolean;
  readonly terminal: NodeJS.WriteStream | undefined;
  readonly out: (line: string) => void;
  readonly verb: 'Deployed' | 'Destroyed';
  /** Named in the --json result. */
  readonly remote: RemoteInfo;
  readonly palette?: Palette;
  /** The plain lines' clock; the real one by default. */
  readonly heartbeat?: Heartbeat;
}): ProgressSink {
  const palette = options.palette ?? PLAIN;
  if (options.json) return new JsonProgress(options.out, options.remote);
  if (options.terminal && hasSize(options.terminal))
    return new LiveProgress(options.terminal, options.out, options.verb, palette);
  return new LineProgress(options.out, options.verb, {
    palette,
    heartbeat: options.heartbeat ?? realHeartbeat(),
  });
}

/** Whether a terminal has room for the live view: not 0 rows or columns (not saying is taken as 24×80). */
export function hasSize(terminal: { readonly rows?: number; readonly columns?: number }): boolean {
  return terminal.rows !== 0 && terminal.columns !== 0;
}
