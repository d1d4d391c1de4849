import type { ClientChannel } from 'ssh2';
import type { Connection } from './ssh-connect.ts';
import { outputTail, SshError } from './ssh-errors.ts';

export interface ExecOptions {
  /** What the command does, e.g. `reload pfSense filter`: errors show this, never the command line. */
  readonly label: string;
  /** Sent on the command's stdin, then closed: the way to pass secrets and file contents. */
  readonly stdin?: string | Uint8Array;
  /** Stop the command after this long (default 10 minutes): SSH_TIMEOUT. */
  readonly timeoutMs?: number;
  /** Stop the command once stdout and stderr together exceed this (default 16 MiB): SSH_OUTPUT_LIMIT. */
  readonly maxOutputBytes?: number;
  /** Return a non-zero exit instead of throwing SSH_COMMAND_FAILED. */
  readonly allowFailure?: boolean;
  /** More values to mask in error messages (stdin is always masked). */
  readonly secrets?: readonly string[];
}

export interface ExecResult {
  /** The exit code; null when the command was killed by a signal or sent no exit status. */
  readonly code: number | null;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The raw bytes, for output that is not UTF-8 text. */
  readonly stdoutBuffer: Buffer;
  readonly stderrBuffer: Buffer;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Runs one command in its own session channel; see SshSession.exec. */
export function execCommand(conn: Connection, command: string, options: ExecOptions): Promise<ExecResult> {
  const { label } = options;
  const target = conn.description;
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const secrets = [
    ...(options.stdin !== undefined ? [Buffer.from(options.stdin).toString('utf8')] : []),
    ...(options.secrets ?? []),
  ];
  if (conn.closed) {
    return Promise.reject(
      new SshError('SSH_DISCONNECTED', 'the connection is closed; the command was not started', {
        target,
        label,
      }),
    );
  }
  return new Promise<ExecResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let code: number | null = null;
    let signal: string | undefined;
    let stopped: 'timeout' | 'output' | undefined;
    let done = false;
    let channel: ClientChannel | undefined;

    const finish = (error?: SshError, result?: ExecResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.client.removeListener('close', onConnectionClose);
      if (error) reject(error);
      else resolve(result!);
    };
    const stop = (why: 'timeout' | 'output') => {
      if (stopped || done) return;
      stopped = why;
      try {
        channel?.signal('KILL');
      } catch {
        // not every server accepts signals; closing the channel is what counts
      }
      channel?.close();
      finish(
        why === 'timeout'
          ? new SshError('SSH_TIMEOUT', `did not finish within ${timeoutMs} ms and was stopped`, {
              target,
              label,
              stderrTail: outputTail(Buffer.concat(stderr).toString('utf8'), secrets),
              hint: 'raise timeoutMs if the step is slow; the guest may still be running it',
            })
          : new SshError('SSH_OUTPUT_LIMIT', `wrote more than ${maxOutput} bytes of output and was stopped`, {
              target,
              label,
              hint: 'download large files over SFTP instead of printing them, or raise maxOutputBytes',
            }),
      );
    };
    const onConnectionClose = () =>
      finish(
        new SshError(
          'SSH_DISCONNECTED',
          'the connection dropped while the command ran; it may or may not have completed',
          { target, label, hint: 'check the guest state before running the step again' },
        ),
      );
    const failed = (result: ExecResult, how: string) =>
      new SshError('SSH_COMMAND_FAILED', how, {
        target,
        label,
        exitCode: result.code,
        ...(result.signal ? { signal: result.signal } : {}),
        stderrTail: outputTail(result.stderr, secrets),
      });
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    conn.client.once('close', onConnectionClose);

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (stopped) return;
      size += chunk.length;
      into.push(chunk);
      if (size > maxOutput) stop('output');
    };

    conn.client.exec(command, (err, ch) => {
      if (err) {
        finish(
          new SshError('SSH_CONNECT', `the guest refused to start a session: ${err.message}`, {
            target,
            label,
            hint: 'the guest may limit sessions per connection (MaxSessions) or forbid command execution',
          }),
        );
        return;
      }
      if (done) {
        ch.close();
        return;
      }
      channel = ch;
      ch.on('data', collect(stdout));
      ch.stderr.on('data', collect(stderr));
      ch.on('exit', (exitCode: number | null, exitSignal?: string) => {
        if (typeof exitCode === 'number') code = exitCode;
        else if (exitSignal) signal = exitSignal;
      });
      ch.on('error', () => {
        // surfaced through 'close' and the missing exit status
      });
      ch.on('close', () => {
        if (done) return;
        const out = Buffer.concat(stdout);
        const errOut = Buffer.concat(stderr);
        const result: ExecResult = {
          code,
          signal,
          stdout: out.toString('utf8'),
          stderr: errOut.toString('utf8'),
          stdoutBuffer: out,
          stderrBuffer: errOut,
        };
        if (code === 0 || options.allowFailure) {
          finish(undefined, result);
          return;
        }
        if (code === null && signal === undefined) {
          // No exit status: most likely the connection is going down, which its own
          // close event reports (SSH_DISCONNECTED); give that a moment to arrive.
          if (conn.closed) onConnectionClose();
          else setTimeout(() => finish(failed(result, 'ended without an exit status')), 100);
          return;
        }
        finish(failed(result, code !== null ? `exited with code ${code}` : `was killed by signal ${signal}`));
      });
      if (options.stdin !== undefined) ch.end(Buffer.from(options.stdin));
      else ch.end();
    });
  });
}
