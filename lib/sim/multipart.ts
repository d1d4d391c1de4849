import { createHash, type Hash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { EmulatorHttpError } from './emulator-error.ts';
import type { RawValue } from './param-validator.ts';

/** An uploaded file as the emulator keeps it: its bytes are hashed on the way in, never held. */
export interface EmulatorUploadedFile {
  /** The `filename="…"` of the file part: Proxmox's `filename` parameter. */
  readonly filename: string;
  readonly size: number;
  /** Hex digests: `sha256` always, plus the `checksum-algorithm` the request named (body before the file, or query). */
  readonly hashes: Readonly<Record<string, string>>;
}

/** A multipart/form-data body as pveproxy's upload reader would have taken it. */
export interface EmulatorUpload {
  /** The form fields, in order. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly file?: EmulatorUploadedFile;
  /** How pveproxy would have refused it; answered after authentication, as there. */
  readonly error?: { readonly status: number; readonly message: string };
}

/** The only endpoint pveproxy reads multipart bodies for (`isUpload` in PVE::HTTPServer). */
export const UPLOAD_ROUTE = '/nodes/{node}/storage/{storage}/upload';

/** The fields pveproxy takes before the file, in the only order it looks for them. */
const FIELD_ORDER = ['content', 'checksum-algorithm', 'checksum'];
const ALGORITHMS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

export const isMultipart = (contentType: string | undefined): boolean =>
  /^multipart\/form-data\b/i.test(contentType ?? '');

const UPLOAD_FAILED = 'upload failed';

/**
 * Reads a multipart/form-data body with busboy, holding Proxmox's reader's
 * rules (pve-http-server `file_upload_multipart`): only `content`,
 * `checksum-algorithm` and `checksum` may come before the file, each once
 * and in that order; the file part must be named `filename` and come last
 * (Proxmox would write any later part into the file). Anything else fails
 * as `upload failed`, as there. The file is hashed as it streams.
 */
export function readUpload(req: IncomingMessage): Promise<EmulatorUpload> {
  return new Promise((resolve) => {
    const fields: Array<[string, string]> = [];
    let file: EmulatorUploadedFile | undefined;
    let fileSeen = false;
    let fileDone: Promise<void> = Promise.resolve();
    let error: EmulatorUpload['error'];
    let settled = false;
    const fail = (message: string, status = 501) => {
      error ??= { status, message };
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      void fileDone.then(() => {
        if (!error && !file) fail(UPLOAD_FAILED);
        resolve({ fields, ...(file ? { file } : {}), ...(error ? { error } : {}) });
      });
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8' });
    } catch {
      // No boundary: pveproxy takes only multipart/form-data with one.
      fail(`upload 'Content-Type '${String(req.headers['content-type'])}' not implemented`, 506);
      req.resume();
      req.on('end', finish);
      return;
    }
    parser.on('field', (name, value) => {
      const at = FIELD_ORDER.indexOf(name);
      const previous = fields.length ? FIELD_ORDER.indexOf(fields[fields.length - 1]![0]) : -1;
      if (fileSeen || at < 0 || at <= previous) fail(UPLOAD_FAILED);
      else fields.push([name, value.trim()]);
    });
    parser.on('file', (name, stream, info) => {
      if (fileSeen || !info.filename) {
        fail(UPLOAD_FAILED);
        stream.resume();
        return;
      }
      fileSeen = true;
      const filename = info.filename.trim();
      if (name !== 'filename') {
        fail(`wrong field name '${name}' for file upload, expected 'filename'`);
        stream.resume();
        return;
      }
      // Named in the body before the file, or in the query string, which pveproxy merges.
      const algorithm =
        fields.find(([k]) => k === 'checksum-algorithm')?.[1] ??
        new URL(req.url ?? '/', 'https://emulator').searchParams.get('checksum-algorithm');
      const hashes: Record<string, Hash> = { sha256: createHash('sha256') };
      if (algorithm && ALGORITHMS.has(algorithm)) hashes[algorithm] ??= createHash(algorithm);
      let size = 0;
      fileDone = new Promise((done) => {
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          for (const h of Object.values(hashes)) h.update(chunk);
        });
        stream.on('end', () => {
          const digests = Object.fromEntries(Object.entries(hashes).map(([k, h]) => [k, h.digest('hex')]));
          file = { filename, size, hashes: digests };
          done();
        });
        stream.on('error', () => {
          fail(UPLOAD_FAILED);
          done();
        });
      });
    });
    parser.on('error', () => {
      fail(UPLOAD_FAILED);
      req.unpipe(parser);
      req.resume();
      finish();
    });
    parser.on('close', finish);
    req.pipe(parser);
  });
}

/** Received files by temporary name, like pveproxy's `/var/tmp/pveupload-*` files; the oldest go first. */
const staged = new Map<string, EmulatorUploadedFile>();
const STAGED_MAX = 64;

function stageUpload(file: EmulatorUploadedFile): string {
  const name = `/var/tmp/pveupload-${randomBytes(16).toString('hex')}`;
  staged.set(name, file);
  while (staged.size > STAGED_MAX) staged.delete(staged.keys().next().value!);
  return name;
}

/** The file received under `tmpfilename`, handed over once (the upload handler's `-s $tmpfilename`). */
export function takeUpload(tmpfilename: string): EmulatorUploadedFile | undefined {
  const file = staged.get(tmpfilename);
  staged.delete(tmpfilename);
  return file;
}

/**
 * The emulator's hook for multipart bodies, once the query string is in
 * `raw`: on the upload endpoint the form fields, the file's name and its
 * temporary name become parameters, as pveproxy passes them (the body's
 * fields over the query's). A multipart body elsewhere, or another body on
 * the upload endpoint, is refused as pveproxy does. Returns the error to
 * raise after authentication: pveproxy reads the body only then.
 */
export function uploadParams(
  req: {
    readonly headers: Record<string, string | string[] | undefined>;
    readonly body: string;
    readonly upload?: EmulatorUpload;
  },
  route: string,
  raw: Record<string, RawValue>,
): EmulatorHttpError | undefined {
  const refuse = () =>
    new EmulatorHttpError(
      506,
      `upload 'Content-Type '${String(req.headers['content-type'] ?? '')}' not implemented`,
    );
  if (route !== UPLOAD_ROUTE) {
    if (req.upload) throw refuse();
    return undefined;
  }
  if (!req.upload) {
    // Without a body the handler answers `missing temporary file name`.
    if (req.body.length > 0) throw refuse();
    return undefined;
  }
  if (req.upload.error) return new EmulatorHttpError(req.upload.error.status, req.upload.error.message);
  for (const [key, value] of req.upload.fields) raw[key] = value;
  raw.filename = req.upload.file!.filename;
  raw.tmpfilename = stageUpload(req.upload.file!);
  return undefined;
}
