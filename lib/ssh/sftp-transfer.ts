import { randomBytes } from 'node:crypto';
import type { SFTPWrapper, Stats } from 'ssh2';
import { SshError } from './ssh-errors.ts';

/** What an upload writes: bytes, text (UTF-8) or a stream of chunks. */
export type UploadData = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<Uint8Array>;

export interface UploadOptions {
  /** File mode of the new file, e.g. 0o600 for anything holding a secret; set explicitly, whatever the umask. */
  readonly mode: number;
}

export interface DownloadOptions {
  /** Refuse files larger than this (default 64 MiB). */
  readonly maxBytes?: number;
}

/** Where a transfer runs, for its errors, and how to learn that its connection closed. */
export interface TransferContext {
  readonly target: string;
  readonly isClosed: () => boolean;
  /** Calls `listener` once the connection closes; returns an unsubscribe function. */
  readonly onClose?: (listener: () => void) => () => void;
}

const CHUNK = 256 * 1024;
export const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

/**
 * Replaces `remotePath` atomically: the data goes to `<path>.pvecdk-tmp-<random>`
 * (created exclusively), which gets the mode, is fsynced when the server offers
 * fsync@openssh.com, and is renamed over the path with posix-rename@openssh.com.
 * Plain SFTP rename fails when the target exists, so without that extension the
 * old file is moved aside first (a short window in which the path is missing).
 * On failure the temp file is removed (if the connection still allows it) and the
 * previous file is left exactly as it was.
 */
export async function atomicUpload(
  sftp: SFTPWrapper,
  remotePath: string,
  data: UploadData,
  options: UploadOptions,
  ctx: TransferContext,
): Promise<void> {
  const tmp = `${remotePath}.pvecdk-tmp-${randomBytes(6).toString('hex')}`;
  const { call, done } = guard(ctx);
  let handle: Buffer | undefined;
  let step = 'create the temp file';
  try {
    handle = await call<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: options.mode }, cb));
    step = 'write';
    let position = 0;
    for await (const chunk of chunks(data)) {
      const h = handle;
      const at = position;
      await call<void>((cb) => sftp.write(h, chunk, 0, chunk.length, at, (err) => cb(err)));
      position += chunk.length;
    }
    step = 'set the mode';
    const h = handle;
    // Windows OpenSSH has no POSIX modes; a server that says so is not an error.
    await call<void>((cb) => sftp.fchmod(h, options.mode, (err) => cb(err))).catch((e: unknown) => {
      if ((e as { code?: unknown }).code !== SFTP_OP_UNSUPPORTED) throw e;
    });
    step = 'fsync';
    await optionalExtension(call, (cb) => sftp.ext_openssh_fsync(h, (err) => cb(err)));
    step = 'close the temp file';
    handle = undefined;
    await call<void>((cb) => sftp.close(h, (err) => cb(err)));
    step = 'rename the temp file over the target';
    await renameOver(sftp, tmp, remotePath, call);
  } catch (e) {
    const closed = ctx.isClosed();
    if (!closed) {
      const h = handle;
      if (h) await call<void>((cb) => sftp.close(h, (err) => cb(err))).catch(() => undefined);
      await call<void>((cb) => sftp.unlink(tmp, (err) => cb(err))).catch(() => undefined);
    }
    throw transferError(`upload of ${remotePath} failed (${step})`, e, ctx, {
      hint: closed
        ? `the previous ${remotePath} is unchanged; a temp file ${tmp} may be left behind`
        : `the previous ${remotePath} is unchanged; check the folder exists and is writable by the user`,
    });
  } finally {
    done();
  }
}

/** Reads a whole remote file. */
export async function downloadFile(
  sftp: SFTPWrapper,
  remotePath: string,
  options: DownloadOptions,
  ctx: TransferContext,
): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const { call, done } = guard(ctx);
  try {
    const stats = await call<Stats>((cb) => sftp.stat(remotePath, cb));
    if (stats.size > maxBytes) {
      throw new SshError('SSH_TRANSFER', `${remotePath} is ${stats.size} bytes, more than ${maxBytes}`, {
        target: ctx.target,
        hint: 'raise maxBytes if the file is expected to be that large',
      });
    }
    return await call<Buffer>((cb) => sftp.readFile(remotePath, cb));
  } catch (e) {
    if (e instanceof SshError) throw e;
    throw transferError(`download of ${remotePath} failed`, e, ctx, {});
  } finally {
    done();
  }
}

/** A remote file's mode and size; undefined when it does not exist (SFTP status 2). */
export async function statFile(
  sftp: SFTPWrapper,
  remotePath: string,
  ctx: TransferContext,
): Promise<{ readonly mode: number; readonly size: number } | undefined> {
  const { call, done } = guard(ctx);
  try {
    const stats = await call<Stats>((cb) => sftp.stat(remotePath, cb));
    return { mode: stats.mode, size: stats.size };
  } catch (e) {
    if ((e as { code?: unknown }).code === 2) return undefined;
    throw transferError(`stat of ${remotePath} failed`, e, ctx, {});
  } finally {
    done();
  }
}

/** Rename that replaces an existing target. */
async function renameOver(sftp: SFTPWrapper, from: string, to: string, call: Call): Promise<void> {
  const posix = await optionalExtension(call, (cb) => sftp.ext_openssh_rename(from, to, (err) => cb(err)));
  if (posix) return;
  try {
    await call<void>((cb) => sftp.rename(from, to, (err) => cb(err)));
    return;
  } catch (e) {
    const exists = await call<Stats>((cb) => sftp.stat(to, cb)).then(
      () => true,
      () => false,
    );
    if (!exists) throw e;
  }
  const aside = `${to}.pvecdk-old-${randomBytes(6).toString('hex')}`;
  await call<void>((cb) => sftp.rename(to, aside, (err) => cb(err)));
  try {
    await call<void>((cb) => sftp.rename(from, to, (err) => cb(err)));
  } catch (e) {
    await call<void>((cb) => sftp.rename(aside, to, (err) => cb(err))).catch(() => undefined);
    throw e;
  }
  await call<void>((cb) => sftp.unlink(aside, (err) => cb(err))).catch(() => undefined);
}

/** Runs an OpenSSH extension request; false when the server does not offer it (ssh2 throws synchronously). */
async function optionalExtension(
  call: Call,
  run: (cb: (err?: Error | null) => void) => void,
): Promise<boolean> {
  let unsupported = false;
  await call<void>((cb) => {
    try {
      run(cb);
    } catch (e) {
      if (!(e instanceof Error) || !/does not support/.test(e.message)) throw e;
      unsupported = true;
      cb(null);
    }
  });
  return !unsupported;
}

async function* chunks(data: UploadData): AsyncIterable<Buffer> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const buf = Buffer.from(data);
    for (let at = 0; at < buf.length; at += CHUNK) yield buf.subarray(at, at + CHUNK);
    return;
  }
  for await (const piece of data) {
    const buf = Buffer.from(piece);
    for (let at = 0; at < buf.length; at += CHUNK) yield buf.subarray(at, at + CHUNK);
  }
}

type Callback<T> = (err: Error | null | undefined, value?: T) => void;
type Call = <T>(run: (cb: Callback<T>) => void) => Promise<T>;

/**
 * Promisified SFTP calls that also fail when the connection closes: ssh2 leaves a
 * request made on a closed channel unanswered, which would hang the transfer.
 */
function guard(ctx: TransferContext): { call: Call; done: () => void } {
  let onClosed: (() => void) | undefined;
  const closed = new Promise<never>((_, reject) => {
    onClosed = () => reject(new Error('connection lost'));
  });
  closed.catch(() => undefined);
  const unsubscribe = ctx.onClose?.(() => onClosed?.()) ?? (() => undefined);
  if (ctx.isClosed()) onClosed?.();
  const call: Call = <T>(run: (cb: Callback<T>) => void) =>
    Promise.race([
      new Promise<T>((resolve, reject) => {
        try {
          run((err, value) => (err ? reject(err) : resolve(value as T)));
        } catch (e) {
          reject(e);
        }
      }),
      closed,
    ]);
  return { call, done: unsubscribe };
}

const SFTP_OP_UNSUPPORTED = 8;
const SFTP_STATUS: Record<number, string> = {
  1: 'end of file',
  2: 'no such file',
  3: 'permission denied',
  4: 'failure',
  5: 'bad message',
  6: 'no connection',
  7: 'connection lost',
  8: 'operation unsupported',
};

function transferError(what: string, e: unknown, ctx: TransferContext, extra: { hint?: string }): SshError {
  if (e instanceof SshError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const status = typeof err.code === 'number' ? SFTP_STATUS[err.code] : undefined;
  const detail = status ?? (typeof err.message === 'string' ? err.message : String(e));
  const closed = ctx.isClosed();
  return new SshError(closed ? 'SSH_DISCONNECTED' : 'SSH_TRANSFER', `${what}: ${detail}`, {
    target: ctx.target,
    cause: e,
    ...(extra.hint ? { hint: extra.hint } : {}),
  });
}
