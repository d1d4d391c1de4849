import type { CliIo } from '../../lib/cli/main.ts';

/** An in-process CliIo that keeps what a command prints. */
export function captureIo(cwd: string): CliIo & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), cwd, stdout, stderr };
}
