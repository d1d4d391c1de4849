import { stat } from 'node:fs/promises';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import type { z } from 'zod';
import { PveAuth, type PveCredentials } from './auth.ts';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, sleep as realSleep } from './backoff.ts';
import { PveError } from './errors.ts';
import { type MultipartBody, multipartBody, type PveUploadFile } from './multipart.ts';
import type { PveMethod, PveParams } from './params.ts';
import { type ClassifiedAnswer, classifyResponse } from './response.ts';
import { Semaphore } from './semaphore.ts';
import { type PveTlsOptions, tlsConnector } from './tls.ts';
import {
  asConnectionError,
  NOT_SENT,
  type RawAnswer,
  type Sender,
  sendForm,
  sendMultipart,
} from './transport.ts';
import { type PveUploadOptions, placeUploadFields, UPLOAD_TIMEOUT_MS } from './upload-fields.ts';

export type { PveCredentials, PveToken } from './auth.ts';
export type { PveUploadFile } from './multipart.ts';
export { encodeParams, type PveMethod, type PveParams, type PveParamValue } from './params.ts';
export type { PveUploadOptions } from './upload-fields.ts';

export interface PveRequestEvent {
  readonly method: PveMethod;
  readonly path: string;
  readonly host: string;
  readonly status: number | undefined;
  readonly attempt: number;
  readonly ms: number;
}

export interface PveClientOptions {
  /** Base URLs (`https://pve1:8006`); later ones are fallbacks when a host cannot be reached. */
  readonly hosts: readonly string[];
  readonly credentials: PveCredentials;
  readonly tls?: PveTlsOptions;
  /** Requests in flight against this remote at most. */
  readonly concurrency?: number;
  readonly backoff?: BackoffOptions;
  readonly requestTimeoutMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRequest?: (event: PveRequestEvent) => void;
}

/**
 * One Proxmox VE remote: fallback hosts, API token or ticket auth, pinned
 * TLS, a concurrency limit, and retries that never repeat a write that may
 * have happened.
 */
export class PveClient {
  readonly hosts: readonly string[];
  readonly #auth: PveAuth;
  readonly #agent: Agent;
  readonly #semaphore: Semaphore;
  readonly #backoff: BackoffOptions;
  readonly #timeout: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onRequest: ((event: PveRequestEvent) => void) | undefined;
  #preferred = 0;

  constructor(options: PveClientOptions) {
    if (options.hosts.length === 0) throw new PveError('PVE_CONNECTION', 'a remote needs at least one host');
    this.hosts = options.hosts.map((h) => h.replace(/\/+$/, '').replace(/\/api2\/json$/, ''));
    this.#auth = new PveAuth(
      options.credentials,
      async (login) =>
        (
          await this.#once(
            'POST',
            '/access/ticket',
            1,
            (host) => this.send(host, 'POST', '/access/ticket', login),
            () => true,
          )
        ).data,
    );
    this.#agent = new Agent({
      connect: tlsConnector(options.tls),
      keepAliveTimeout: 30_000,
      connections: options.concurrency ?? 8,
    });
    this.#semaphore = new Semaphore(options.concurrency ?? 8);
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#timeout = options.requestTimeoutMs ?? 60_000;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? realSleep;
    this.#onRequest = options.onRequest;
  }

  /** Who this client acts as, without any secret. */
  get identity(): string {
    return this.#auth.identity;
  }

  get inFlight(): number {
    return this.#semaphore.inFlight;
  }

  get<T = unknown>(path: string, params?: PveParams, schema?: z.ZodType<T>): Promise<T> {
    return this.request('GET', path, params, schema);
  }

  post<T = unknown>(path: string, params?: PveParams, schema?: z.ZodType<T>): Promise<T> {
    return this.request('POST', path, params, schema);
  }

  put<T = unknown>(path: string, params?: PveParams, schema?: z.ZodType<T>): Promise<T> {
    return this.request('PUT', path, params, schema);
  }

  delete<T = unknown>(path: string, params?: PveParams, schema?: z.ZodType<T>): Promise<T> {
    return this.request('DELETE', path, params, schema);
  }

  /**
   * Sends one API call and returns its `data`, validated with `schema` when
   * given.
   *
   * Retry rule (jittered exponential backoff, `backoff.attempts` in all):
   * - GET is retried on every transient error: a 5xx that is not a
   *   not-found/validation answer, a reset or refused connection, a lock
   *   timeout or a locked VM. Reading twice is harmless.
   * - POST/PUT/DELETE are retried only when they provably did not happen:
   *   the connection failed before a byte was sent (refused, unresolvable,
   *   connect timeout: then the next host is tried too), or Proxmox refused
   *   for a lock (`can't lock file … got timeout`, `got lock request timeout`,
   *   `VM is locked (…)`), which it checks before changing anything. A 5xx or
   *   a reset after sending may have taken effect, so it is raised instead:
   *   repeating a clone or a create could do it twice.
   * - A ticket refused with 401 triggers one fresh login and one resend.
   */
  request<T = unknown>(
    method: PveMethod,
    path: string,
    params: PveParams = {},
    schema?: z.ZodType<T>,
  ): Promise<T> {
    return this.#call(
      method,
      path,
      schema,
      (host) => this.send(host, method, path, params),
      () => true,
    );
  }

  /**
   * Uploads a file as multipart/form-data (`POST`, e.g.
   * `/nodes/{node}/storage/{storage}/upload`) and returns the answer's
   * `data` (for Proxmox's upload, the UPID of the import task).
   *
   * The body is streamed with its exact Content-Length (Proxmox refuses
   * chunked bodies): a file given by path is read from disk as it is sent,
   * never held whole. Same auth, pinned TLS, concurrency limit and host
   * fallback as every call. An upload is a write and is never repeated once
   * a byte may have left: only a connection that failed before sending moves
   * to the next host or is retried, and a refused ticket is renewed and the
   * upload resent, since Proxmox checks both before reading the body. A
   * stream is sent once at most; bytes and a path can be read again.
   *
   * `content`, `checksum-algorithm` and `checksum` go in the body in the
   * order Proxmox reads them; other fields go in the query string.
   */
  async upload<T = unknown>(
    path: string,
    fields: PveParams,
    file: PveUploadFile,
    options: PveUploadOptions<T> = {},
  ): Promise<T> {
    const size =
      'path' in file ? (await stat(file.path)).size : 'data' in file ? file.data.byteLength : file.size;
    const { inBody, inQuery } = placeUploadFields(fields);
    const body = multipartBody(inBody, options.fileField ?? 'filename', file, size);
    const timeoutMs = options.timeoutMs ?? UPLOAD_TIMEOUT_MS;
    return this.#call(
      'POST',
      path,
      options.schema,
      (host) => this.#sendUpload(host, path, inQuery, body, timeoutMs),
      () => body.replayable || !body.started,
    );
  }

  /**
   * A GET that also returns what Proxmox puts beside `data` in the answer:
   * `changes` (the staged edits of a node's network, as a unified diff),
   * `total` (of a paged list). Retried like every GET.
   */
  async getWithEnvelope<T = unknown>(
    path: string,
    params: PveParams = {},
    schema?: z.ZodType<T>,
  ): Promise<{ data: T; envelope: Readonly<Record<string, unknown>> }> {
    let envelope: Readonly<Record<string, unknown>> = {};
    const data = await this.#call(
      'GET',
      path,
      schema,
      (host) => this.send(host, 'GET', path, params),
      () => true,
      (extra) => {
        envelope = extra;
      },
    );
    return { data, envelope };
  }

  /** The retry loop of one call; `canResend` tells whether its body may be sent again. */
  async #call<T>(
    method: PveMethod,
    path: string,
    schema: z.ZodType<T> | undefined,
    sender: Sender,
    canResend: () => boolean,
    onEnvelope?: (extra: Readonly<Record<string, unknown>>) => void,
  ): Promise<T> {
    let reloggedIn = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.#semaphore.run(() => this.#once(method, path, attempt, sender, canResend));
        onEnvelope?.(answer.envelope);
        const data = answer.data;
        if (!schema) return data as T;
        const parsed = schema.safeParse(data);
        if (parsed.success) return parsed.data;
        const issues = parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`);
        throw new PveError('PVE_BAD_RESPONSE', `unexpected answer: ${issues.join('; ')}`, {
          method,
          path,
          hint: 'the server does not answer like Proxmox VE 8/9; check the remote URL and version',
        });
      } catch (e) {
        if (!(e instanceof PveError)) throw e;
        if (e.code === 'PVE_AUTH' && this.#auth.usesTicket && !reloggedIn && canResend()) {
          reloggedIn = true;
          this.#auth.forgetTicket();
          continue;
        }
        const retryable =
          canResend() &&
          (e.code === 'PVE_LOCKED' ||
            (e.code === 'PVE_CONNECTION' && ((e as RetryInfo).notSent === true || method === 'GET')) ||
            (e.code === 'PVE_SERVER' && method === 'GET' && (e.status ?? 0) >= 500));
        if (!retryable || attempt >= this.#backoff.attempts) throw e;
        await this.#sleep(backoffDelay(attempt, this.#backoff, this.#random));
      }
    }
  }

  /** Tries the hosts in order, starting with the last one that answered. */
  async #once(
    method: PveMethod,
    path: string,
    attempt: number,
    sender: Sender,
    canResend: () => boolean,
  ): Promise<ClassifiedAnswer> {
    const tried: string[] = [];
    let lastError: unknown;
    for (let i = 0; i < this.hosts.length; i++) {
      const index = (this.#preferred + i) % this.hosts.length;
      const host = this.hosts[index]!;
      const started = Date.now();
      let result: RawAnswer;
      try {
        result = await sender(host);
      } catch (e) {
        this.#onRequest?.({ method, path, host, status: undefined, attempt, ms: Date.now() - started });
        if (e instanceof PveError) throw e;
        const code = (e as { code?: string }).code ?? '';
        // Only a request that never left may go to the next host: anything else could have happened.
        if (!NOT_SENT.has(code) || !canResend()) throw asConnectionError(e, method, path, host, false);
        tried.push(`${host} (${code})`);
        lastError = e;
        continue;
      }
      this.#preferred = index;
      this.#onRequest?.({ method, path, host, status: result.status, attempt, ms: Date.now() - started });
      return classifyResponse(method, path, result.status, result.statusText, result.body);
    }
    throw Object.assign(
      new PveError('PVE_CONNECTION', `no host answered: ${tried.join(', ')}`, {
        method,
        path,
        hint: 'check that the hosts are up and reachable on port 8006, and the remote URLs in cdk.json',
      }),
      { notSent: true, cause: lastError },
    );
  }

  private send(host: string, method: PveMethod, path: string, params: PveParams): Promise<RawAnswer> {
    return sendForm(this.#agent, this.#timeout, host, method, path, params, () =>
      this.#auth.headers(method, path),
    );
  }

  #sendUpload(
    host: string,
    path: string,
    query: PveParams,
    body: MultipartBody,
    timeoutMs: number,
  ): Promise<RawAnswer> {
    return sendMultipart(this.#agent, this.#timeout, host, path, query, body, timeoutMs, () =>
      this.#auth.headers('POST', path),
    );
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  [inspect.custom](): string {
    return `PveClient { hosts: ${JSON.stringify(this.hosts)}, identity: ${JSON.stringify(this.identity)} }`;
  }

  toString(): string {
    return this[inspect.custom]();
  }
}

interface RetryInfo {
  notSent?: boolean;
}
