import type { RemoteInfo } from '../commands/run-outcome.ts';
import { JsonProgress } from './json-progress.ts';
import { LineProgress } from './line-progress.ts';
import { LiveProgress } from './live-progress.ts';
import type { ProgressSink } from './progress.ts';

/** NDJSON with --json; the live view on a terminal; plain lines anywhere else. */
export function selectProgress(options: {
  readonly json: boolean;
  readonly terminal: NodeJS.WriteStream | undefined;
  readonly out: (line: string) => void;
  readonly verb: 'Deployed' | 'Destroyed';
  /** Named in the --json result. */
  readonly remote: RemoteInfo;
}): ProgressSink {
  if (options.json) return new JsonProgress(options.out, options.remote);
  if (options.terminal) return new LiveProgress(options.terminal, options.out, options.verb);
  return new LineProgress(options.out, options.verb);
}
