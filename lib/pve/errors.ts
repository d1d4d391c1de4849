import { defineErrorFamily } from '../core/error-family.ts';

/** Errors talking to Proxmox VE. Codes are stable; messages carry method, path and a hint. */
export const PVE_ERROR_CODES = {
  PVE_AUTH: 'the token or ticket was refused (401)',
  PVE_PERMISSION: 'the credentials lack a privilege for this call (403)',
  PVE_NOT_FOUND: 'the path or object does not exist (404, or 500 with a "does not exist" text)',
  PVE_VALIDATION: 'Proxmox rejected parameters; the per-parameter errors are attached (400)',
  PVE_LOCKED: 'a VM or config file is locked by another operation',
  PVE_TIMEOUT: 'a task or request did not finish in time',
  PVE_TASK_FAILED: 'a Proxmox task ended with an error; the last lines of its log are attached',
  PVE_CONNECTION: 'no host of the remote could be reached',
  PVE_TLS: "the server's certificate is not trusted or does not match the pinned fingerprint",
  PVE_SERVER: 'Proxmox answered with another error',
  PVE_BAD_RESPONSE: 'the answer does not have the shape Proxmox documents',
  PVE_INVALID_REQUEST:
    'a call cannot be made as asked: a client option out of range, or an upload name or field Proxmox cannot read',
} as const;

export type PveErrorCode = keyof typeof PVE_ERROR_CODES;

export interface PveErrorDetails {
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  /** Proxmox's `{"errors": {param: message}}` of a 400. */
  readonly paramErrors?: Readonly<Record<string, string>>;
  /** Last lines of a failed task's log. */
  readonly taskLog?: readonly string[];
  readonly hint?: string;
}

export class PveError extends defineErrorFamily('PVE client', PVE_ERROR_CODES, {
  whileRunning: [
    'PVE_LOCKED',
    'PVE_TIMEOUT',
    'PVE_TASK_FAILED',
    'PVE_CONNECTION',
    'PVE_SERVER',
    'PVE_BAD_RESPONSE',
  ],
}) {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly status: number | undefined;
  readonly paramErrors: Readonly<Record<string, string>>;
  readonly taskLog: readonly string[];

  constructor(code: PveErrorCode, message: string, details: PveErrorDetails = {}) {
    const where = details.method && details.path ? `${details.method} ${details.path}: ` : '';
    const params = Object.entries(details.paramErrors ?? {}).map(([k, v]) => `\n  ${k}: ${v}`);
    const log = details.taskLog?.length
      ? `\n  task log:\n${details.taskLog.map((l) => `    ${l}`).join('\n')}`
      : '';
    super(code, `${where}${message}${params.join('')}${log}`, details.hint);
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.paramErrors = details.paramErrors ?? {};
    this.taskLog = details.taskLog ?? [];
  }
}
