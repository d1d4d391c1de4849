import type { ProjectConfig } from '../config.ts';
import type { Palette } from '../output/colour.ts';

/** What the commands that talk to a remote (deploy, diff, destroy) take from the command line. */
export interface RemoteCommandOptions {
  /** The stack file, or several (`--all`, or files given one after another). */
  readonly file: string | readonly string[];
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly remote: string | undefined;
  readonly concurrency: number;
  readonly allowDestroyData: boolean;
  readonly forceUnlock: boolean;
  /** `--lock-timeout`: how long to wait for a stack another deploy holds (0: refuse at once). */
  readonly lockTimeoutS: number;
  /** Move stacks another stack file deployed to this one (`--takeover`). */
  readonly takeover: boolean;
  readonly json: boolean;
  readonly out: (line: string) => void;
  /** The colours of what goes to `out` (none when piped, with --json, or NO_COLOR). */
  readonly palette: Palette;
  /** Warnings go to stderr, so --json output stays parseable. */
  readonly warn: (line: string) => void;
  /** What the run is doing that is neither output nor a warning (waiting for a lock): stderr. */
  readonly tell: (line: string) => void;
  /** A terminal to draw the live view on; plain lines without one. */
  readonly terminal: NodeJS.WriteStream | undefined;
  /** Stops the run gracefully (Ctrl-C); see lib/cli/interrupt.ts. */
  readonly signal?: AbortSignal;
  /** Asks the operator; absent when nobody can answer (not a terminal, --yes, --json). */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
}
