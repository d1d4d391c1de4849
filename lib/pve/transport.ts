import { Readable } from 'node:stream';
import { type Agent, request } from 'undici';
import { PveError } from './errors.ts';
import type { MultipartBody } from './multipart.ts';
import { encodeParams, type PveMethod, type PveParams } from './params.ts';

/** One HTTP exchange with one Proxmox host, before its answer is read as an API answer. */

export interface RawAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/** Sends one attempt of a call to one host. */
export type Sender = (host: string) => Promise<RawAnswer>;

/** The auth headers of a call, asked for once its URL is known. */
type HeadersOf = () => Promise<Record<string, string>>;

/** Errors raised before a byte of the request left: safe to send elsewhere or again, whatever the method. */
export const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A form or query call: parameters in the query string for GET and DELETE, else in the body. */
export async function sendForm(
  agent: Agent,
  timeoutMs: number,
  host: string,
  method: PveMethod,
  path: string,
  params: PveParams,
  headersOf: HeadersOf,
): Promise<RawAnswer> {
  const url = new URL(`${host}/api2/json${path}`);
  const headers = await headersOf();
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
    dispatcher: agent,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return { status: res.statusCode, statusText: res.statusText, body: await res.body.text() };
}

/**
 * One multipart POST. The headers timeout (undici restarts it whenever the
 * socket drains) is the upload timeout; the answer's body, once it
 * started, has the usual one.
 */
export async function sendMultipart(
  agent: Agent,
  timeoutMs: number,
  host: string,
  path: string,
  query: PveParams,
  body: MultipartBody,
  uploadTimeoutMs: number,
  headersOf: HeadersOf,
): Promise<RawAnswer> {
  const url = new URL(`${host}/api2/json${path}`);
  url.search = encodeParams(query);
  const headers = await headersOf();
  headers['content-type'] = body.contentType;
  headers['content-length'] = String(body.length);
  try {
    const res = await request(url, {
      method: 'POST',
      headers,
      body: Readable.from(body.chunks(), { objectMode: false }),
      dispatcher: agent,
      headersTimeout: uploadTimeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, statusText: res.statusText, body: await res.body.text() };
  } catch (e) {
    // The source failing is said as such, not as a lost connection.
    throw body.failure ?? e;
  }
}

export function asConnectionError(
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
