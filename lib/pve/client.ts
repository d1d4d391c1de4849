import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, sleep as realSleep } from './backoff.ts';
import { PveError } from './errors.ts';
import { type MultipartBody, multipartBody, type PveUploadFile } from './multipart.ts';
import { type ClassifiedAnswer, classifyResponse } from './response.ts';
import { Semaphore } from './semaphore.ts';
import { type PveTlsOptions, tlsConnector } from './tls.ts';

/** An API token: `tokenId` is `user@realm!name`, `tokenSecret` the UUID Proxmox showed once. */
export interface PveToken {
  readonly tokenId: string;
  readonly tokenSecret: string;
}

export type PveCredentials =
  | PveToken
  /** Several tokens of one remote (e.g. one per privilege set): `use` picks one by id, else the first. */
  | { readonly tokens: readonly PveToken[]; readonly use?: string }
  | { readonly username: string; readonly password: string };

type ResolvedAuth =
  | { readonly kind: 'token'; readonly token: PveToken }
  | { readonly kind: 'ticket'; readonly username: string; readonly password: string };

function resolveAuth(credentials: PveCredentials): ResolvedAuth {
  if ('username' in credentials) return { kind: 'ticket', ...credentials };
  if ('tokenId' in credentials) return { kind: 'token', token: credentials };
  const token = credentials.use
    ? credentials.tokens.find((t) => t.tokenId === credentials.use)
    : credentials.tokens[0];
  if (!token) {
    const known = credentials.tokens.map((t) => t.tokenId).join(', ') || 'none';
    throw new PveError(
      'PVE_AUTH',
      `no API token${credentials.use ? ` '${credentials.use}'` : ''} among the remote's tokens (${known})`,
      {
        hint: 'list the token under the remote in cdk.json, or pick one of those configured',
      },
    );
  }
  return { kind: 'token', token };
}

export type PveMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type PveParamValue = string | number | boolean | undefined | readonly (string | number)[];
export type PveParams = Readonly<Record<string, PveParamValue>>;

export type { PveUploadFile } from './multipart.ts';

export interface PveUploadOptions<T> {
  readonly schema?: z.ZodType<T>;
  /**
   * How long an upload may take until Proxmox answers (undici starts the
   * count again whenever the connection was congested); default 30 minutes,
   * the provider's `timeout_upload`.
   */
  readonly timeoutMs?: number;
  /** The form field of the file; Proxmox's upload takes it only as `filename`. */
  readonly fileField?: string;
}

/**
 * The fields Proxmox's upload reader takes from a multipart body, in the
 * only order it reads them (pve-http-server `file_upload_multipart`); any
 * other field would stop it, so those go in the query string, which it
 * merges with them.
 */
const UPLOAD_BODY_FIELDS = ['content', 'checksum-algorithm', 'checksum'];
const UPLOAD_TIMEOUT_MS = 30 * 60 * 1000;

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

/** Errors raised before a byte of the request left: safe to send elsewhere or again, whatever the method. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TICKET_RENEW_MS = 90 * 60 * 1000; // tickets live 2 h; renew well before.

interface Ticket {
  readonly ticket: string;
  readonly csrf: string;
  readonly at: number;
}

/**
 * One Proxmox VE remote: fallback hosts, API token or ticket auth, pinned
 * TLS, a concurrency limit, and retries that never repeat a write that may
 * have happened.
 */
export class PveClient {
  readonly hosts: readonly string[];
  readonly #auth: ResolvedAuth;
  readonly #agent: Agent;
  readonly #semaphore: Semaphore;
  readonly #backoff: BackoffOptions;
  readonly #timeout: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onRequest: ((event: PveRequestEvent) => void) | undefined;
  #preferred = 0;
  #ticket: Ticket | undefined;
  #login: Promise<Ticket> | undefined;

  constructor(options: PveClientOptions) {
    if (options.hosts.length === 0) throw new PveError('PVE_CONNECTION', 'a remote needs at least one host');
    this.hosts = options.hosts.map((h) => h.replace(/\/+$/, '').replace(/\/api2\/json$/, ''));
    this.#auth = resolveAuth(options.credentials);
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
    return this.#auth.kind === 'token' ? this.#auth.token.tokenId : this.#auth.username;
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
    const inBody: Array<[string, string]> = [];
    const inQuery: Record<string, PveParamValue> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (!UPLOAD_BODY_FIELDS.includes(key)) inQuery[key] = value;
      else if (Array.isArray(value)) inBody.push([key, value.join(',')]);
      else inBody.push([key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value)]);
    }
    inBody.sort(([a], [b]) => UPLOAD_BODY_FIELDS.indexOf(a) - UPLOAD_BODY_FIELDS.indexOf(b));
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
        if (e.code === 'PVE_AUTH' && this.#auth.kind === 'ticket' && !reloggedIn && canResend()) {
          reloggedIn = true;
          this.#ticket = undefined;
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

  private async send(host: string, method: PveMethod, path: string, params: PveParams): Promise<RawAnswer> {
    const url = new URL(`${host}/api2/json${path}`);
    const headers = await this.#authHeaders(method, path);
    let body: string | undefined;
    const encoded = encodeParams(params);
    if (method === 'GET' || method === 'DELETE') url.search = encoded;
    else if (encoded) {
      body = encoded;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await request(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      dispatcher: this.#agent,
      headersTimeout: this.#timeout,
      bodyTimeout: this.#timeout,
    });
    return { status: res.statusCode, statusText: res.statusText, body: await res.body.text() };
  }

  /**
   * One multipart POST. The headers timeout (undici restarts it whenever the
   * socket drains) is the upload timeout; the answer's body, once it
   * started, has the usual one.
   */
  async #sendUpload(
    host: string,
    path: string,
    query: PveParams,
    body: MultipartBody,
    timeoutMs: number,
  ): Promise<RawAnswer> {
    const url = new URL(`${host}/api2/json${path}`);
    url.search = encodeParams(query);
    const headers = await this.#authHeaders('POST', path);
    headers['content-type'] = body.contentType;
    headers['content-length'] = String(body.length);
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body: Readable.from(body.chunks(), { objectMode: false }),
        dispatcher: this.#agent,
        headersTimeout: timeoutMs,
        bodyTimeout: this.#timeout,
      });
      return { status: res.statusCode, statusText: res.statusText, body: await res.body.text() };
    } catch (e) {
      // The source failing is said as such, not as a lost connection.
      throw body.failure ?? e;
    }
  }

  /** The token header, or the ticket cookie plus the CSRF token for writes. */
  async #authHeaders(method: PveMethod, path: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (this.#auth.kind === 'token') {
      headers.authorization = `PVEAPIToken=${this.#auth.token.tokenId}=${this.#auth.token.tokenSecret}`;
    } else if (path !== '/access/ticket') {
      const ticket = await this.#currentTicket();
      headers.cookie = `PVEAuthCookie=${ticket.ticket}`;
      if (method !== 'GET') headers.csrfpreventiontoken = ticket.csrf;
    }
    return headers;
  }

  async #currentTicket(): Promise<Ticket> {
    if (this.#ticket && Date.now() - this.#ticket.at < TICKET_RENEW_MS) return this.#ticket;
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  async #doLogin(): Promise<Ticket> {
    const creds = this.#auth as { username: string; password: string };
    const login = { username: creds.username, password: creds.password };
    const data = (
      await this.#once(
        'POST',
        '/access/ticket',
        1,
        (host) => this.send(host, 'POST', '/access/ticket', login),
        () => true,
      )
    ).data as {
      ticket?: unknown;
      CSRFPreventionToken?: unknown;
    };
    if (typeof data?.ticket !== 'string' || typeof data.CSRFPreventionToken !== 'string') {
      throw new PveError('PVE_BAD_RESPONSE', 'the ticket answer has no ticket or CSRFPreventionToken', {
        method: 'POST',
        path: '/access/ticket',
      });
    }
    this.#ticket = { ticket: data.ticket, csrf: data.CSRFPreventionToken, at: Date.now() };
    return this.#ticket;
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

interface RawAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/** Sends one attempt of a call to one host. */
type Sender = (host: string) => Promise<RawAnswer>;

function asConnectionError(
  e: unknown,
  method: PveMethod,
  path: string,
  host: string,
  notSent: boolean,
): PveError {
  const code = (e as { code?: string }).code ?? 'unknown';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const when = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return new PveError('PVE_TLS', `${host}: the certificate ${when} (${code})`, {
      method,
      path,
      hint: "renew the node certificate (Proxmox GUI: node → System → Certificates); check this machine's clock",
    });
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new PveError('PVE_TLS', `${host}: certificate not trusted (${code})`, {
      method,
      path,
      hint: 'pin the certificate fingerprint shown in the Proxmox GUI, or give the cluster CA file',
    });
  }
  return Object.assign(
    new PveError(
      'PVE_CONNECTION',
      `${host}: connection failed (${code}); the request may have reached the server`,
      {
        method,
        path,
        hint: 'a read is retried; a write is not repeated blindly: check its effect first',
      },
    ),
    { notSent },
  );
}

/** Form/query encoding as Proxmox reads it: booleans as 0/1, lists as repeated keys, undefined left out. */
export function encodeParams(params: PveParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else if (typeof value === 'boolean') search.append(key, value ? '1' : '0');
    else search.append(key, String(value));
  }
  return search.toString();
}
