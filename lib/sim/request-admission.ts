import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, type TicketAuthority } from './auth.ts';
import type { EmulatorResponse } from './emulator.ts';
import { EmulatorHttpError } from './emulator-error.ts';
import { isMultipart } from './multipart.ts';
import type { SchemaIndex } from './schema-index.ts';
import type { EmulatorState } from './state.ts';

/**
 * pveproxy's largest request body outside uploads (pve-http-server
 * AnyEvent.pm `$limit_max_post`, 512 KiB since libpve-http-server-perl
 * 5.2.1, the version PVE 8.4 ships).
 */
export const MAX_POST_BYTES = 512 * 1024;

export interface RequestHead {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface AdmissionDeps {
  readonly schema: SchemaIndex;
  readonly state: EmulatorState;
  readonly tickets: TicketAuthority;
  readonly latencyScale: number;
}

/** An answer pveproxy sends as plain text (its `error()`), closing the connection. */
const refusal = (status: number, reason: string): EmulatorResponse => ({ status, reason, body: reason });

/**
 * What pveproxy decides from a request's head alone, before it reads a byte
 * of the body (AnyEvent.pm process_header, auth_handler, then the
 * Content-Length checks): a transfer encoding is refused (501); the caller
 * is authenticated (401, after 3 s, with no body read); a body on a method
 * other than POST/PUT, or a body over MAX_POST_BYTES that is not an upload,
 * is refused (501). Undefined: read the body and handle the request.
 */
export function admitRequest(head: RequestHead, deps: AdmissionDeps): EmulatorResponse | undefined {
  const te = head.headers['transfer-encoding'];
  if (te)
    return te.toLowerCase() === 'chunked'
      ? refusal(501, 'chunked transfer encoding not supported')
      : refusal(501, `Unknown transfer encoding '${te}'`);
  const method = head.method.toUpperCase();
  let pathname: string;
  try {
    pathname = new URL(head.url, 'https://emulator').pathname;
  } catch {
    return refusal(400, 'bad request');
  }
  if (!pathname.startsWith('/api2/json')) return undefined;
  const path = pathname.slice('/api2/json'.length) || '/';
  let match: ReturnType<SchemaIndex['match']>;
  try {
    match = deps.schema.match(path);
  } catch {
    // A path parameter that is not valid percent-encoding: the request handler answers it.
    return undefined;
  }
  const info = match?.route.methods[method];
  const world = info?.permissions?.user === 'world' || (path === '/access/ticket' && method === 'POST');
  if (info && !world) {
    try {
      authenticate(head.headers, deps.state, deps.tickets);
    } catch (e) {
      if (e instanceof EmulatorHttpError && e.status === 401)
        return { status: 401, reason: e.reason, body: '', delayMs: Math.round(3000 * deps.latencyScale) };
      throw e;
    }
  }
  const length = Number(head.headers['content-length'] ?? 0);
  if (length > 0) {
    if (method !== 'POST' && method !== 'PUT')
      return refusal(501, `Unexpected content for method '${method}'`);
    if (length > MAX_POST_BYTES && !isMultipart(head.headers['content-type']))
      return refusal(501, 'for data too large');
  }
  return undefined;
}
