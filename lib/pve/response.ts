import { PveError } from './errors.ts';
import type { PveMethod } from './params.ts';

/** Lock refusals: Proxmox answers these before it changes anything (pve-behaviour.md §4.3). */
const LOCKED = /\b(?:VM|CT)(?: \d+)? is locked\b|can't lock file|got lock request timeout/;
const NOT_FOUND = /does not exist|no such /i;

/**
 * Turns a Proxmox answer into its `data` (with the envelope's other keys) or a PveError. Proxmox puts the
 * error text in the reason phrase (and, from 8.3, in `message`); a 400 lists
 * the failing parameters under `errors`.
 */
/** A successful answer: its `data`, and what Proxmox put beside it (`total`, a network's `changes`). */
export interface ClassifiedAnswer {
  readonly data: unknown;
  readonly envelope: Readonly<Record<string, unknown>>;
}

export function classifyResponse(
  method: PveMethod,
  path: string,
  status: number,
  statusText: string,
  text: string,
): ClassifiedAnswer {
  let json: { data?: unknown; errors?: Record<string, string>; message?: string } | undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      if (status === 200) {
        throw new PveError('PVE_BAD_RESPONSE', 'the answer is not JSON', {
          method,
          path,
          status,
          hint: 'is this a Proxmox VE API URL?',
        });
      }
    }
  }
  if (status >= 200 && status < 300) {
    if (json === undefined || !('data' in json)) {
      throw new PveError('PVE_BAD_RESPONSE', 'the answer has no "data" envelope', { method, path, status });
    }
    const { data, ...envelope } = json;
    return { data, envelope };
  }
  const reason = (json?.message ?? statusText ?? '').trim() || `HTTP ${status}`;
  const details = { method, path, status };
  if (status === 401) {
    return fail('PVE_AUTH', `authentication failed (${reason})`, {
      ...details,
      hint: 'check the token id and secret (or user and password) of the remote',
    });
  }
  if (status === 403) {
    return fail('PVE_PERMISSION', reason, {
      ...details,
      hint: 'grant the missing privilege to the token (see `pvecdk bootstrap-role`)',
    });
  }
  if (status === 400) {
    return fail('PVE_VALIDATION', reason, {
      ...details,
      paramErrors: json?.errors ?? {},
      hint: 'fix the parameters named above',
    });
  }
  if (status === 501 || status === 404 || NOT_FOUND.test(reason)) {
    return fail('PVE_NOT_FOUND', reason, {
      ...details,
      hint: 'check the node name, VM id or path; it may have been removed',
    });
  }
  if (LOCKED.test(reason)) {
    return fail('PVE_LOCKED', reason, {
      ...details,
      hint: 'another task holds the lock; it is retried with backoff',
    });
  }
  return fail('PVE_SERVER', reason, details);
}

function fail(
  code: ConstructorParameters<typeof PveError>[0],
  message: string,
  details: ConstructorParameters<typeof PveError>[2],
): never {
  throw new PveError(code, message, details);
}
