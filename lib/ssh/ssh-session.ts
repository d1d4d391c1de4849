import type { SFTPWrapper } from 'ssh2';
import { type ExecOptions, type ExecResult, execCommand } from './exec-command.ts';
import {
  atomicUpload,
  type DownloadOptions,
  downloadFile,
  statFile,
  type TransferContext,
  type UploadData,
  type UploadOptions,
} from './sftp-transfer.ts';
import { type Connection, type ConnectOptions, openConnection } from './ssh-connect.ts';
import { SshError } from './ssh-errors.ts';
import { type PresentedHostKey, parseSshTarget, type SshTargetInput } from './ssh-target.ts';

/**
 * Connects to a guest: validates the target, verifies the host key against its pin
 * (or the trust-on-first-use callback), authenticates, through the jump host if one
 * is given, and retries refused or timed-out attempts as `retry` allows (a guest that
 * is still booting).
 */
export async function connect(target: SshTargetInput, options: ConnectOptions = {}): Promise<SshSession> {
  const parsed = parseSshTarget(target);
  return new SshSession(await openConnection(parsed, options));
}

/**
 * One authenticated connection to a guest. Commands each run in their own channel
 * and may run concurrently; errors show `user@host:port` and the command's label,
 * never a command line, a credential or stdin.
 */
export class SshSession {
  readonly #conn: Connection;
  #sftp: Promise<SFTPWrapper> | undefined;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  /** `user@host:port` (with its jump hosts). */
  get target(): string {
    return this.#conn.description;
  }

  /** The host key the guest presented and that was accepted (record it after trust on first use). */
  get hostKey(): PresentedHostKey {
    return this.#conn.hostKey;
  }

  get closed(): boolean {
    return this.#conn.closed;
  }

  /**
   * Runs a command (through the login shell of the guest user; build it with a
   * dialect) and collects stdout and stderr. A non-zero exit throws SSH_COMMAND_FAILED
   * with the label, the exit code and the last lines of stderr (stdin and `secrets`
   * masked), unless `allowFailure`.
   */
  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return execCommand(this.#conn, command, options);
  }

  /** Writes a file atomically over SFTP: readers see the old file or the new one, never a part. */
  async upload(remotePath: string, data: UploadData, options: UploadOptions): Promise<void> {
    await atomicUpload(await this.#sftpChannel(), remotePath, data, options, this.#context());
  }

  /** Reads a whole file over SFTP. */
  async download(remotePath: string, options: DownloadOptions = {}): Promise<Buffer> {
    return downloadFile(await this.#sftpChannel(), remotePath, options, this.#context());
  }

  /** A file's mode (with its type bits, as SFTP gives it) and size; undefined when it does not exist. */
  async stat(remotePath: string): Promise<{ readonly mode: number; readonly size: number } | undefined> {
    return statFile(await this.#sftpChannel(), remotePath, this.#context());
  }

  /** Closes the connection and those to the jump hosts. */
  async close(): Promise<void> {
    await this.#conn.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #context(): TransferContext {
    const { client } = this.#conn;
    return {
      target: this.#conn.description,
      isClosed: () => this.#conn.closed,
      onClose: (listener) => {
        client.once('close', listener);
        return () => client.removeListener('close', listener);
      },
    };
  }

  #sftpChannel(): Promise<SFTPWrapper> {
    if (this.#conn.closed) {
      return Promise.reject(
        new SshError('SSH_DISCONNECTED', 'the connection is closed; nothing was transferred', {
          target: this.#conn.description,
        }),
      );
    }
    this.#sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.#conn.client.sftp((err, sftp) => {
        if (err) {
          this.#sftp = undefined;
          reject(
            new SshError('SSH_TRANSFER', `the SFTP subsystem could not be started: ${err.message}`, {
              target: this.#conn.description,
              hint: 'enable the sftp subsystem in the guest sshd_config (Subsystem sftp …)',
            }),
          );
          return;
        }
        sftp.on('close', () => {
          this.#sftp = undefined;
        });
        sftp.on('error', () => {
          this.#sftp = undefined;
        });
        resolve(sftp);
      });
    });
    return this.#sftp;
  }
}
