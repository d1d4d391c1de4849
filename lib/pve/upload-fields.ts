import type { z } from 'zod';
import type { PveParams, PveParamValue } from './params.ts';

/** How an upload's fields are placed: the few Proxmox reads from the body, in its order, the rest in the query. */

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
export const UPLOAD_TIMEOUT_MS = 30 * 60 * 1000;

/** Splits an upload's fields into the body's (ordered as Proxmox reads them) and the query's. */
export function placeUploadFields(fields: PveParams): {
  inBody: Array<[string, string]>;
  inQuery: Record<string, PveParamValue>;
} {
  const inBody: Array<[string, string]> = [];
  const inQuery: Record<string, PveParamValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!UPLOAD_BODY_FIELDS.includes(key)) inQuery[key] = value;
    else if (Array.isArray(value)) inBody.push([key, value.join(',')]);
    else inBody.push([key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value)]);
  }
  inBody.sort(([a], [b]) => UPLOAD_BODY_FIELDS.indexOf(a) - UPLOAD_BODY_FIELDS.indexOf(b));
  return { inBody, inQuery };
}
