import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { PveError } from './errors.ts';

/**
 * The file of an upload: bytes in memory, a file on disk (streamed, never
 * read whole: ISOs are GBs), or a stream that is read once, whose exact
 * `size` must be known up front since Proxmox refuses chunked bodies.
 */
export type PveUploadFile =
  | { readonly name: string; readonly data: Uint8Array }
  | { readonly name: string; readonly path: string }
  | {
      readonly name: string;
      readonly stream: Readable | AsyncIterable<Uint8Array | string>;
      readonly size: number;
    };

/**
 * One multipart/form-data body with its exact length. `chunks()` starts a
 * fresh read of the source each time, except for a stream, which can be read
 * once: `replayable` tells whether it may be sent again, `started` whether a
 * byte of the source has been asked for.
 */
export interface MultipartBody {
  readonly contentType: string;
  readonly length: number;
  readonly replayable: boolean;
  readonly started: boolean;
  /** Why the body stopped short (the source failed or gave another size), when it did. */
  readonly failure: PveError | undefined;
  chunks(): AsyncGenerator<Uint8Array>;
}

const CRLF = '\r\n';

/**
 * Writes the body the way Proxmox's own reader (pve-http-server's
 * `file_upload_multipart`) expects it; that reader is not a general parser:
 * - the fields come first, each part as `Content-Disposition: form-data;
 *   name="…"`, a blank line, the value;
 * - the file comes last, as `Content-Disposition: form-data; name="<field>";
 *   filename="…"` and a Content-Type line (Proxmox skips to the first blank
 *   line after the disposition: without that header it would eat file bytes);
 * - the body ends with `\r\n--boundary--\r\n`.
 */
export function multipartBody(
  fields: ReadonlyArray<readonly [string, string]>,
  fileField: string,
  file: PveUploadFile,
  size: number,
): MultipartBody {
  const boundary = `----pvecdk${randomBytes(16).toString('hex')}`;
  for (const [name, value] of fields) {
    plainText(name, 'field name');
    if (/[\r\n]/.test(value))
      throw new PveError('PVE_INVALID_REQUEST', `upload field ${name}: a value cannot hold a line break`);
  }
  plainText(fileField, 'field name');
  plainText(file.name, 'file name');
  const head = Buffer.from(
    [
      ...fields.map(
        ([name, value]) =>
          `--${boundary}${CRLF}Content-Disposition: form-data; name="${name}"${CRLF}${CRLF}${value}${CRLF}`,
      ),
      `--${boundary}${CRLF}Content-Disposition: form-data; name="${fileField}"; filename="${file.name}"${CRLF}`,
      `Content-Type: application/octet-stream${CRLF}${CRLF}`,
    ].join(''),
    'utf8',
  );
  const tail = Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1');
  const replayable = !('stream' in file);
  const state = { started: false, failure: undefined as PveError | undefined };

  const stop = (message: string, cause?: unknown): PveError => {
    state.failure = Object.assign(
      new PveError('PVE_CONNECTION', `upload of ${file.name} aborted: ${message}; nothing was stored`, {
        hint: 'check the source file and upload again',
      }),
      { cause },
    );
    return state.failure;
  };

  async function* source(): AsyncGenerator<Uint8Array> {
    if ('data' in file) {
      yield file.data;
      return;
    }
    if ('path' in file) {
      for await (const chunk of createReadStream(file.path, { highWaterMark: 1 << 20 }))
        yield chunk as Buffer;
      return;
    }
    for await (const chunk of file.stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.byteLength + size + tail.byteLength,
    replayable,
    get started() {
      return state.started;
    },
    get failure() {
      return state.failure;
    },
    async *chunks() {
      yield head;
      if (!replayable && state.started) throw stop('a stream can be sent only once');
      state.started = true;
      const read = source();
      let sent = 0;
      try {
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await read.next();
          } catch (e) {
            throw stop(`reading it failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, e);
          }
          if (next.done) break;
          sent += next.value.byteLength;
          if (sent > size)
            throw stop(`it holds more than the ${size} bytes announced (it changed while sent?)`);
          yield next.value;
        }
      } finally {
        // An aborted request closes the source (and its file) too.
        await read.return(undefined);
      }
      if (sent !== size)
        throw stop(`it ended after ${sent} of the ${size} bytes announced (it changed while sent?)`);
      yield tail;
    },
  };
}

/** Proxmox reads names between quotes up to the next quote, one header a line: no quote, backslash or line break. */
function plainText(text: string, what: string): void {
  if (text === '' || /["\\\r\n]/.test(text))
    throw new PveError(
      'PVE_INVALID_REQUEST',
      `upload ${what} ${JSON.stringify(text)}: empty, or holds a quote, backslash or line break`,
      { hint: 'rename it with letters, digits, dots, dashes and underscores' },
    );
}
