import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { type HostKeyCheck, hostKeyError, makeHostVerifier } from './host-key.ts';
import { SshError } from './ssh-errors.ts';
import { describeTarget, type PresentedHostKey, type SshTarget } from './ssh-target.ts';

export interface RetryOptions {
  /** Connection attempts in all (1 = no retry). */
  readonly attempts: number;
  /** Delay before the second attempt; doubles each time up to maxMs. */
  readonly baseMs: number;
  readonly maxMs?: number;
}

export interface ConnectOptions {
  /** Per attempt: TCP connect, handshake and authentication (default 20 s). */
  readonly timeoutMs?: number;
  /** Retry refused, unreachable and timed-out attempts, e.g. while a guest boots (default: 1 attempt). */
  readonly retry?: RetryOptions;
  /** SSH keepalive interval (default 15 s; 3 unanswered close the connection). */
  readonly keepaliveMs?: number;
  /** Told before each retry, e.g. for a progress line. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** An authenticated ssh2 connection, with the hops it runs through. */
export class Connection {
  closed = false;
  lastError: Error | undefined;
  readonly description: string;
  readonly client: Client;
  readonly target: SshTarget;
  readonly hostKey: PresentedHostKey;
  readonly hop: Connection | undefined;

  constructor(client: Client, target: SshTarget, hostKey: PresentedHostKey, hop: Connection | undefined) {
    this.client = client;
    this.target = target;
    this.hostKey = hostKey;
    this.hop = hop;
    this.description = describeTarget(target);
    client.setMaxListeners(0);
    client.on('error', (e: Error) => {
      this.lastError = e;
    });
    client.on('close', () => {
      this.closed = true;
      hop?.end();
    });
  }

  /** Ends this connection, then the hops; resolves once the socket is closed. */
  end(): Promise<void> {
    if (this.closed) {
      this.hop?.end();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.client.once('close', () => resolve());
      this.client.end();
    });
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

/** A failed attempt: the error to raise, and whether waiting and trying again may help. */
interface AttemptFailure {
  readonly error: SshError;
  readonly retryable: boolean;
  readonly reason: string;
}

class AttemptError extends Error {
  readonly failure: AttemptFailure;

  constructor(failure: AttemptFailure) {
    super(failure.error.message);
    this.failure = failure;
  }
}

/** Opens an authenticated connection, through the jump hosts, retrying while the guest is not up yet. */
export async function openConnection(target: SshTarget, options: ConnectOptions = {}): Promise<Connection> {
  const attempts = Math.max(1, Math.floor(options.retry?.attempts ?? 1));
  const baseMs = options.retry?.baseMs ?? 1000;
  const maxMs = options.retry?.maxMs ?? 10_000;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(target, options);
    } catch (e) {
      if (!(e instanceof AttemptError)) throw e;
      const { failure } = e;
      if (!failure.retryable) throw failure.error;
      if (attempt >= attempts) {
        if (attempts === 1) throw failure.error;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        throw new SshError(
          'SSH_CONNECT',
          `${failure.reason} (gave up after ${attempts} attempts in ${seconds} s)`,
          {
            target: failure.error.target,
            hint: failure.error.hint,
            cause: failure.error,
          },
        );
      }
      const delayMs = Math.round(
        Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.25),
      );
      options.onRetry?.({ attempt, delayMs, reason: failure.reason });
      await sleep(delayMs);
    }
  }
}

async function connectOnce(target: SshTarget, options: ConnectOptions): Promise<Connection> {
  let hop: Connection | undefined;
  let sock: Duplex | undefined;
  if (target.jump) {
    hop = await connectOnce(target.jump, options);
    try {
      sock = await forwardOut(hop, target);
    } catch (e) {
      await hop.end();
      throw e;
    }
  }
  const client = new ssh2.Client();
  const check: HostKeyCheck = {};
  const timeoutMs = options.timeoutMs ?? 20_000;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    readyTimeout: timeoutMs,
    hostVerifier: makeHostVerifier(target, check),
    keepaliveInterval: options.keepaliveMs ?? 15_000,
    keepaliveCountMax: 3,
    tryKeyboard: false,
    ...(sock ? { sock } : {}),
    ...(target.auth.privateKey !== undefined ? { privateKey: target.auth.privateKey } : {}),
    ...(target.auth.passphrase !== undefined ? { passphrase: target.auth.passphrase } : {}),
    ...(target.auth.password !== undefined ? { password: target.auth.password } : {}),
    ...(target.auth.agent !== undefined ? { agent: target.auth.agent } : {}),
  };
  return new Promise<Connection>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners('ready');
      client.on('error', () => {});
      client.end();
      hop?.end();
      reject(new AttemptError(classify(err, target, check, timeoutMs)));
    };
    client.on('error', fail);
    client.once('close', () => fail(new Error('the connection closed before authentication completed')));
    client.once('ready', () => {
      settled = true;
      client.removeListener('error', fail);
      resolve(new Connection(client, target, check.accepted ?? check.presented!, hop));
    });
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 parses the private key synchronously; its message never holds the key.
      fail(Object.assign(e instanceof Error ? e : new Error(String(e)), { level: 'private-key' }));
    }
  });
}

/** A TCP stream from the hop to the target (`direct-tcpip`), carrying the target's SSH connection. */
function forwardOut(hop: Connection, target: SshTarget): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    hop.client.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) => {
      if (!err) {
        resolve(stream);
        return;
      }
      const reason = `the jump host ${hop.description} could not open a connection to ${target.host}:${target.port} (${err.message.replace(/^\(SSH\) /, '')})`;
      reject(
        new AttemptError({
          reason,
          retryable: true,
          error: new SshError('SSH_CONNECT', reason, {
            target: describeTarget(target),
            hint: 'is the guest running and its SSH server started? can the jump host reach it?',
          }),
        }),
      );
    });
  });
}

type LeveledError = Error & { level?: string; code?: string | number };

function classify(
  err: LeveledError,
  target: SshTarget,
  check: HostKeyCheck,
  timeoutMs: number,
): AttemptFailure {
  const where = describeTarget(target);
  if (/signature verification failed/i.test(err.message) && check.refusal === undefined) {
    check.refusal = 'the server could not prove it holds this key (signature verification failed)';
  }
  if (check.refusal !== undefined || /Host denied/.test(err.message)) {
    return { error: hostKeyError(target, check), retryable: false, reason: 'host key refused' };
  }
  if (err.level === 'private-key') {
    const reason =
      'the private key cannot be read (not a supported key format, or a wrong or missing passphrase)';
    return { error: new SshError('SSH_AUTH', reason, { target: where }), retryable: false, reason };
  }
  if (err.level === 'client-authentication' || /too many authentication failures/i.test(err.message)) {
    const methods = [
      target.auth.privateKey !== undefined ? 'publickey' : undefined,
      target.auth.agent !== undefined ? 'agent' : undefined,
      target.auth.password !== undefined ? 'password' : undefined,
    ].filter(Boolean);
    const reason = `authentication as ${target.username} failed (tried ${methods.join(', ')})`;
    return {
      error: new SshError('SSH_AUTH', reason, {
        target: where,
        hint:
          "check the user name and that the public key is in the user's authorized_keys (on Windows, for an " +
          'administrator: C:\\ProgramData\\ssh\\administrators_authorized_keys), or the password',
      }),
      retryable: false,
      reason,
    };
  }
  const code = typeof err.code === 'string' ? err.code : undefined;
  let reason: string;
  let retryable: boolean;
  if (err.level === 'client-timeout') {
    reason = `no SSH handshake within ${timeoutMs} ms`;
    retryable = true;
  } else if (code === 'ECONNREFUSED') {
    reason = 'connection refused';
    retryable = true;
  } else if (code && RETRYABLE_CODES.has(code)) {
    reason = `network error ${code}`;
    retryable = true;
  } else if (code === 'ENOTFOUND') {
    reason = `the host name ${target.host} does not resolve`;
    retryable = false;
  } else {
    reason = err.message.replace(/\s+/g, ' ').slice(0, 200);
    // A socket error, or a server that hangs up early (still starting, MaxStartups), may pass;
    // a protocol or algorithm mismatch will not.
    retryable =
      err.level === 'client-socket' ||
      /before handshake|closed before|ECONNRESET|socket hang up/.test(err.message);
  }
  return {
    error: new SshError('SSH_CONNECT', reason, {
      target: where,
      hint: 'is the guest running, its SSH server started, and the address and port right?',
    }),
    retryable,
    reason,
  };
}
