import { effectivePrivileges } from './acl.ts';
import { checkAnswer } from './answer-checker.ts';
import { ALL_HANDLERS, ALL_TASK_KINDS } from './api/index.ts';
import { authenticate, TicketAuthority } from './auth.ts';
import { dieError, EmulatorHttpError, notImplemented, paramError } from './emulator-error.ts';
import {
  DEFAULT_LATENCY,
  type EmulatorContext,
  type EmulatorHandler,
  type EmulatorLatency,
  EnvelopedAnswer,
  type HandlerTable,
} from './handler.ts';
import { type EmulatorUpload, uploadParams } from './multipart.ts';
import { type RawValue, setOwn, validateParams } from './param-validator.ts';
import { checkPermission } from './permission-check.ts';
import { admitRequest, type RequestHead } from './request-admission.ts';
import { SchemaIndex, type SchemaReturns } from './schema-index.ts';
import { hashClearPasswords } from './shadow.ts';
import type { EmulatorState } from './state.ts';
import { StorageIo, type StorageIoOptions } from './storage-io.ts';
import { TaskRunner } from './task-runner.ts';

export interface EmulatorRequest {
  readonly method: string;
  /** Path and query, e.g. `/api2/json/cluster/resources?type=vm`. */
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** A multipart/form-data body as the server read it (`body` is then empty): see multipart.ts. */
  readonly upload?: EmulatorUpload;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly reason: string;
  readonly body: string;
  /** Wait this long before answering (pveproxy holds back a 401 for 3 s, scaled). */
  readonly delayMs?: number;
}

/** A fault decided before a request is handled: an HTTP error, a dropped connection, or a delay. */
export type RequestFault =
  | { kind: 'status'; status: number; reason: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number };

export interface EmulatorOptions {
  readonly latencyScale?: number;
  readonly latency?: Partial<EmulatorLatency>;
  /** Storage bandwidth shared by full-clone copies, and the time an allocation holds a storage's lock. */
  readonly storage?: StorageIoOptions;
  readonly onChange?: () => void;
  /** The PEM of the served certificate: Proxmox hands its cluster CA to console clients. */
  readonly certificate?: string;
  /**
   * Check every answer against the schema's `returns` (tests turn this on): an
   * answer that does not match is not sent; the caller gets a 500 naming the
   * method, path and field instead, and `answerChecks.mismatches` keeps it.
   */
  readonly checkAnswers?: boolean;
}

/** What `checkAnswers` saw: answers checked, the endpoints they came from, and every mismatch. */
export interface AnswerChecks {
  checked: number;
  readonly endpoints: Set<string>;
  readonly mismatches: string[];
}

/** The reason phrase of an answer withheld because it does not match `returns`. */
export const ANSWER_MISMATCH = 'pvecdk emulator: answer does not match returns';

interface Dispatched {
  readonly data: unknown;
  readonly endpoint: string;
  readonly returns: SchemaReturns | undefined;
}

let schemaIndex: SchemaIndex | undefined;

/**
 * The emulator without its network: requests in, Proxmox-shaped answers out.
 * Every request is checked against the API schema (path, method, parameters),
 * authenticated, permission-checked from the schema, then handled.
 */
export class Emulator {
  readonly schema: SchemaIndex;
  readonly tasks: TaskRunner;
  readonly tickets = new TicketAuthority();
  readonly latency: EmulatorLatency;
  /** Storage locks and bandwidth of clones. */
  readonly storageIo: StorageIo;
  private readonly latencyScale: number;
  /** Counters, e.g. how many writes a deploy made; `byMethod` counts every request by its HTTP method. */
  readonly stats = { requests: 0, writes: 0, byMethod: {} as Record<string, number> };
  readonly answerChecks: AnswerChecks = { checked: 0, endpoints: new Set(), mismatches: [] };
  requestFault: ((req: EmulatorRequest) => RequestFault | undefined) | undefined;
  private readonly handlers = new Map<string, EmulatorHandler>();

  constructor(
    readonly state: EmulatorState,
    private readonly options: EmulatorOptions = {},
  ) {
    schemaIndex ??= SchemaIndex.load();
    this.schema = schemaIndex;
    this.latencyScale = options.latencyScale ?? 1;
    this.tasks = new TaskRunner(state, this.latencyScale, () => this.options.onChange?.());
    this.tasks.register(ALL_TASK_KINDS);
    this.storageIo = new StorageIo(this.latencyScale, options.storage);
    this.tasks.onStop(() => this.storageIo.stop());
    this.latency = { ...DEFAULT_LATENCY, ...options.latency };
    this.registerAll(ALL_HANDLERS);
    // Passwords a seed or an older state holds in clear are kept hashed from now on.
    if (hashClearPasswords(state)) options.onChange?.();
  }

  registerAll(table: HandlerTable): void {
    for (const [method, template, handler] of table) this.handlers.set(`${method} ${template}`, handler);
  }

  /** What pveproxy answers from a request's head, before its body is read (see request-admission.ts). */
  admit(head: RequestHead): EmulatorResponse | undefined {
    return admitRequest(head, {
      schema: this.schema,
      state: this.state,
      tickets: this.tickets,
      latencyScale: this.latencyScale,
    });
  }

  /** Handles one request; never throws (errors become Proxmox error answers). */
  handle(req: EmulatorRequest): EmulatorResponse {
    this.stats.requests += 1;
    const method = req.method.toUpperCase();
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
    try {
      const dispatched = this.dispatch(req);
      const enveloped = dispatched.data instanceof EnvelopedAnswer ? dispatched.data : undefined;
      const answer = enveloped ? { ...dispatched, data: enveloped.data } : dispatched;
      const body = JSON.stringify({
        data: answer.data === undefined ? null : answer.data,
        ...enveloped?.extra,
      });
      // What is checked is what a client would read: undefined keys dropped, as JSON has them.
      const mismatch = this.options.checkAnswers
        ? this.checkAnswer(req, answer, (JSON.parse(body) as { data: unknown }).data)
        : undefined;
      if (mismatch)
        return {
          status: 500,
          reason: mismatch.split('\n')[0]!,
          body: JSON.stringify({ data: null, message: `${mismatch}\n` }),
        };
      return { status: 200, reason: 'OK', body };
    } catch (e) {
      if (e instanceof EmulatorHttpError) {
        // pveproxy answers a failed authentication after 3 s, with an empty body: guessing is slow.
        if (e.status === 401)
          return { status: 401, reason: e.reason, body: '', delayMs: Math.round(3000 * this.latencyScale) };
        const body: Record<string, unknown> = { data: null, message: `${e.reason}\n` };
        if (e.errors) body.errors = e.errors;
        return { status: e.status, reason: e.reason.split('\n')[0]!, body: JSON.stringify(body) };
      }
      const text = (e as Error).message;
      return {
        status: 500,
        reason: text.split('\n')[0]!,
        body: JSON.stringify({ data: null, message: `${text}\n` }),
      };
    }
  }

  /** The text of a mismatch between `data` and the method's `returns` (recorded), or undefined. */
  private checkAnswer(req: EmulatorRequest, answer: Dispatched, data: unknown): string | undefined {
    if (!answer.returns) return undefined;
    this.answerChecks.checked += 1;
    this.answerChecks.endpoints.add(answer.endpoint);
    const found = checkAnswer(answer.returns, data);
    if (found.length === 0) return undefined;
    const path = new URL(req.url, 'https://emulator').pathname.replace(/^\/api2\/json/, '');
    const at = `${req.method.toUpperCase()} ${path}`;
    const text = `${ANSWER_MISMATCH} of ${answer.endpoint} (${at}): ${found
      .map((m) => `${m.field}: ${m.problem}`)
      .join('; ')}`;
    this.answerChecks.mismatches.push(text);
    return text;
  }

  private dispatch(req: EmulatorRequest): Dispatched {
    const url = new URL(req.url, 'https://emulator');
    const method = req.method.toUpperCase();
    if (!url.pathname.startsWith('/api2/json')) throw new EmulatorHttpError(404, 'Not found');
    const path = url.pathname.slice('/api2/json'.length) || '/';
    const match = this.schema.match(path);
    const info = match?.route.methods[method];
    if (!match || !info) throw notImplemented(method, path);

    const raw: Record<string, RawValue> = {};
    const contentType = String(req.headers['content-type'] ?? '');
    let fromJson = false;
    if ((method === 'GET' || method === 'DELETE') && req.body.length > 0) {
      throw new EmulatorHttpError(501, `Unexpected content for method '${method}'`);
    }
    if (req.body.length > 0) {
      if (contentType.startsWith('application/json')) {
        fromJson = true;
        for (const [k, v] of Object.entries(parseJsonBody(req.body))) setOwn(raw, k, v);
      } else if (contentType === '' || contentType.startsWith('application/x-www-form-urlencoded')) {
        addForm(raw, new URLSearchParams(req.body));
      } else {
        throw new EmulatorHttpError(506, `upload 'Content-Type '${contentType}' not implemented`);
      }
    }
    const query = new URLSearchParams(url.search);
    query.delete('_dc');
    addForm(raw, query);
    const uploadError = uploadParams(req, match.route.template, raw);
    for (const [k, v] of Object.entries(match.pathParams)) raw[k] = v;

    const noAuth = info.permissions?.user === 'world' || (path === '/access/ticket' && method === 'POST');
    const auth = noAuth
      ? { userid: '', tokenid: undefined, privsep: false, viaTicket: false, csrfOk: true }
      : authenticate(req.headers, this.state, this.tickets);
    if (auth.viaTicket && method !== 'GET' && !auth.csrfOk)
      throw new EmulatorHttpError(401, 'Permission denied - invalid csrf token');
    if (uploadError) throw uploadError;

    const { params, errors } = validateParams(info, raw, fromJson);
    if (Object.keys(errors).length) throw paramError(errors);
    if (!noAuth) checkPermission(info, auth, this.state, params);

    const handler = this.handlers.get(`${method} ${match.route.template}`);
    if (!handler) {
      throw new EmulatorHttpError(
        501,
        `Method '${method} ${path}' not implemented (the pvecdk emulator does not emulate it yet)`,
      );
    }
    if (method !== 'GET') this.stats.writes += 1;
    const ctx: EmulatorContext = {
      method,
      path,
      params,
      auth,
      state: this.state,
      tasks: this.tasks,
      tickets: this.tickets,
      certificate: this.options.certificate ?? '',
      latency: this.latency,
      storageIo: this.storageIo,
      changed: () => this.options.onChange?.(),
      actor: auth.tokenid ?? auth.userid,
      can: (privilege, at) =>
        effectivePrivileges(
          { acl: this.state.acl, roles: this.state.roles, groups: this.state.groups },
          auth.userid,
          auth.tokenid,
          auth.privsep,
          at,
        ).has(privilege),
      vm: (vmid) => {
        const vm = this.state.vms[String(vmid)];
        if (!vm)
          throw dieError(
            `Configuration file 'nodes/${String(params.node ?? 'pve1')}/qemu-server/${String(vmid)}.conf' does not exist`,
          );
        return vm;
      },
    };
    return { data: handler(ctx), endpoint: `${method} ${match.route.template}`, returns: info.returns };
  }
}

function addForm(raw: Record<string, RawValue>, form: URLSearchParams): void {
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key);
    setOwn(raw, key, all.length > 1 ? all : all[0]!);
  }
}

/**
 * A JSON body as pveproxy reads it (AnyEvent.pm extract_params): text that is
 * not JSON, or JSON that is not an object, fails in the request handler, a
 * 500 with the parser's words. Keys such as `__proto__` stay plain keys.
 */
function parseJsonBody(body: string): Record<string, RawValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)?.[1] ?? '0';
    throw dieError(`malformed JSON string, at character offset ${at}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw dieError('Not a HASH reference');
  return parsed as Record<string, RawValue>;
}
