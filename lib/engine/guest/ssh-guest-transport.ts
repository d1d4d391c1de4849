import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import type { ExecOptions, ExecResult } from '../../ssh/exec-command.ts';
import { sha256Fingerprint } from '../../ssh/host-key.ts';
import type { UploadData } from '../../ssh/sftp-transfer.ts';
import { isSshError } from '../../ssh/ssh-errors.ts';
import { connect, type SshSession } from '../../ssh/ssh-session.ts';
import type { AcceptNewHostKey, PresentedHostKey, SshTargetInput } from '../../ssh/ssh-target.ts';
import type { SecretResolver } from '../handlers/handler.ts';
import { describeGuestVm } from './guest-address.ts';
import { type GuestEndpoint, type GuestEndpointResolver, planEndpoint } from './guest-endpoint.ts';
import { GuestError } from './guest-errors.ts';
import type { GuestAddress, GuestRequester, GuestSession, GuestTransport } from './guest-transport.ts';
import { type GuestHostKeyTrust, trustHostKey } from './host-key-trust.ts';

export interface SshGuestTransportOptions {
  /** Resolves the guest key's secret reference (the private key never leaves the transport). */
  readonly secrets: SecretResolver;
  /** Where each guest answers (the emulator's endpoints); by default the plan's address. */
  readonly resolveEndpoint?: GuestEndpointResolver;
  /** Host keys trusted on first use, when no stack view (`forStack`) supplies its own. */
  readonly trust?: GuestHostKeyTrust;
  /** How long to wait for a guest that does not answer yet (booting): default 5 minutes. */
  readonly waitMs?: number;
  /** First delay between attempts, doubling up to `retryMaxMs` (defaults 1 s and 10 s). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Per attempt: TCP connect, handshake and authentication (default 20 s). */
  readonly connectTimeoutMs?: number;
}

interface OpenGuest {
  readonly ssh: SshSession;
  readonly session: GuestSession;
  /** Whether the guest's key was pinned (plan or endpoint): then no stack records it. */
  readonly pinned: boolean;
  /** The jump host's key, when one was used, for the other stacks' books. */
  readonly jumpKey: PresentedHostKey | undefined;
  /** Stacks whose books this session's keys were checked against. */
  readonly trustedBy: Set<GuestHostKeyTrust>;
}

const DEFAULT_WAIT_MS = 300_000;

/**
 * The GuestTransport over SSH (lib/ssh): one session per guest per run, shared
 * by every resource (and stack) that names the guest; concurrent first
 * requests share one connect. A guest that does not answer yet is waited for
 * (refused and timed-out attempts retried with backoff, progress told to the
 * requester) up to a bound. Host keys: a pinned one (the plan's
 * `host_key_sha256`, or the endpoint's) wins; otherwise trust on first use,
 * recorded in the asking stack's state. A session that dropped is opened
 * again on the next request, so a retried change resumes.
 */
export class SshGuestTransport implements GuestTransport {
  readonly #options: SshGuestTransportOptions;
  readonly #sessions = new Map<string, Promise<OpenGuest>>();

  constructor(options: SshGuestTransportOptions) {
    this.#options = options;
  }

  session(address: GuestAddress, requester: GuestRequester): Promise<GuestSession> {
    return this.#session(address, requester, this.#options.trust);
  }

  forStack(trust: GuestHostKeyTrust): GuestTransport {
    return {
      session: (address, requester) => this.#session(address, requester, trust),
      close: () => this.close(),
      forStack: (other) => this.forStack(other),
    };
  }

  async close(): Promise<void> {
    const open = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(open.map((p) => p.then((g) => g.ssh.close()).catch(() => undefined)));
  }

  async #session(
    address: GuestAddress,
    requester: GuestRequester,
    trust: GuestHostKeyTrust | undefined,
  ): Promise<GuestSession> {
    const key = sessionKey(address);
    let pending = this.#sessions.get(key);
    if (pending) {
      const open = await pending.catch(() => undefined);
      if (open && !open.ssh.closed) {
        await this.#checkShared(open, address, requester, trust);
        return open.session;
      }
      // Dropped (or a connect that failed for a reason that may pass): opened again.
      if (open && this.#sessions.get(key) === pending) this.#sessions.delete(key);
      if (open) pending = undefined;
    }
    if (!pending) {
      pending = this.#open(address, requester, trust);
      this.#sessions.set(key, pending);
    }
    const open = await pending;
    await this.#checkShared(open, address, requester, trust);
    return open.session;
  }

  /** A session another stack opened: its host keys must also be the ones this stack trusts. */
  async #checkShared(
    open: OpenGuest,
    address: GuestAddress,
    requester: GuestRequester,
    trust: GuestHostKeyTrust | undefined,
  ): Promise<void> {
    if (open.pinned || !trust || open.trustedBy.has(trust)) return;
    await trustHostKey(trust, address, open.ssh.hostKey, guestName(address, requester));
    if (open.jumpKey)
      await trustHostKey(
        trust,
        undefined,
        open.jumpKey,
        `the jump host ${address.jump_host} of ${guestName(address, requester)}`,
      );
    open.trustedBy.add(trust);
  }

  async #open(
    address: GuestAddress,
    requester: GuestRequester,
    trust: GuestHostKeyTrust | undefined,
  ): Promise<OpenGuest> {
    const vm = guestName(address, requester);
    const key = this.#guestKey(address, vm);
    const waitMs = this.#options.waitMs ?? DEFAULT_WAIT_MS;
    const baseMs = this.#options.retryBaseMs ?? 1000;
    const maxMs = this.#options.retryMaxMs ?? 10_000;
    const started = Date.now();
    const endpoint = await this.#endpoint(address, requester, vm, started + waitMs, baseMs, maxMs);
    const pin = normalizePin(endpoint.hostKeySha256 ?? address.host_key_sha256);
    const jump = endpoint.direct ? undefined : parseJumpHost(address.jump_host, vm);
    let refusal: unknown;
    let jumpKey: PresentedHostKey | undefined;
    const tofu = (what: 'guest' | 'jump'): AcceptNewHostKey | undefined =>
      trust
        ? async (presented) => {
            try {
              if (what === 'jump') {
                jumpKey = presented;
                await trustHostKey(
                  trust,
                  undefined,
                  presented,
                  `the jump host ${address.jump_host} of ${vm}`,
                );
              } else await trustHostKey(trust, address, presented, vm);
              return presented.fingerprint;
            } catch (e) {
              refusal = e;
              throw e;
            }
          }
        : undefined;
    const target: SshTargetInput = {
      host: endpoint.host,
      port: endpoint.port,
      username: address.username,
      auth: { privateKey: key.privateKey },
      ...(pin ? { hostKey: pin } : { acceptNewHostKey: tofu('guest') }),
      ...(jump
        ? {
            jump: {
              host: jump.host,
              port: jump.port,
              username: jump.username,
              auth: { privateKey: key.privateKey },
              acceptNewHostKey: tofu('jump'),
            },
          }
        : {}),
    };
    const remaining = Math.max(0, started + waitMs - Date.now());
    const attempts = attemptsWithin(remaining, baseMs, maxMs);
    const where = `${address.username}@${endpoint.host}:${endpoint.port}${jump ? ` via ${address.jump_host}` : ''}`;
    let ssh: SshSession;
    try {
      ssh = await connect(target, {
        retry: { attempts, baseMs, maxMs },
        ...(this.#options.connectTimeoutMs ? { timeoutMs: this.#options.connectTimeoutMs } : {}),
        onRetry: ({ attempt, delayMs, reason }) =>
          requester.onWait?.(
            `${vm}: ${where} does not answer SSH yet (${reason}); trying again in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`,
          ),
      });
    } catch (e) {
      if (refusal !== undefined) throw refusal;
      throw explain(e, {
        vm,
        where,
        address,
        keyFingerprint: key.fingerprint,
        pin,
        waitedMs: Date.now() - started,
      });
    }
    const session = new SshGuestSession(ssh, address.dialect);
    return {
      ssh,
      session,
      pinned: pin !== undefined,
      jumpKey,
      trustedBy: new Set(trust && (!jump || jumpKey) ? [trust] : []),
    };
  }

  /** Where the guest answers, waiting while the resolver says it is booting. */
  async #endpoint(
    address: GuestAddress,
    requester: GuestRequester,
    vm: string,
    deadline: number,
    baseMs: number,
    maxMs: number,
  ): Promise<GuestEndpoint> {
    const resolve = this.#options.resolveEndpoint ?? planEndpoint;
    for (let attempt = 1; ; attempt++) {
      const found = await resolve(address);
      if (found !== 'booting') return found;
      const delayMs = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      if (Date.now() + delayMs > deadline)
        throw new GuestError(
          'GUEST_UNREACHABLE',
          `${vm}: the guest was still booting after ${Math.round((Date.now() - (deadline - (this.#options.waitMs ?? DEFAULT_WAIT_MS))) / 1000)} s (user ${address.username})`,
          'check the VM console: a guest that never finishes booting (cloud-init, sysprep) needs a look; deploy again once it is up',
        );
      requester.onWait?.(
        `${vm}: the guest is still booting; asking again in ${(delayMs / 1000).toFixed(1)} s`,
      );
      await sleep(delayMs);
    }
  }

  #guestKey(address: GuestAddress, vm: string): { privateKey: string; fingerprint: string } {
    const reference = address.private_key;
    const privateKey = this.#options.secrets.resolve(reference);
    const fingerprint = publicKeyFingerprint(privateKey);
    if (!fingerprint)
      throw new GuestError(
        'GUEST_KEY_INVALID',
        `${vm}: the guest key ${reference} is not an unencrypted SSH private key (OpenSSH or PEM format)`,
        'point the cluster guest key at an ed25519 or RSA private key without a passphrase, or use a generated one (SecretValue.generated("ssh/guest"))',
      );
    return { privateKey, fingerprint };
  }
}

/** One open connection, as handlers see it. */
class SshGuestSession implements GuestSession {
  readonly #ssh: SshSession;
  readonly dialect: GuestAddress['dialect'];

  constructor(ssh: SshSession, dialect: GuestAddress['dialect']) {
    this.#ssh = ssh;
    this.dialect = dialect;
  }

  get description(): string {
    return this.#ssh.target;
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.#ssh.exec(command, options);
  }

  upload(path: string, data: UploadData, options: { readonly mode: number }): Promise<void> {
    return this.#ssh.upload(path, data, options);
  }

  async stat(path: string): Promise<{ readonly mode: number; readonly size: number } | undefined> {
    const found = await this.#ssh.stat(path);
    return found ? { mode: found.mode & 0o7777, size: found.size } : undefined;
  }

  async download(path: string, options: { readonly maxBytes?: number } = {}): Promise<Buffer | undefined> {
    try {
      return await this.#ssh.download(path, options);
    } catch (e) {
      // SFTP status 2: no such file.
      if (isSshError(e, 'SSH_TRANSFER') && (e.cause as { code?: unknown } | undefined)?.code === 2)
        return undefined;
      throw e;
    }
  }
}

/** The SHA-256 fingerprint of a private key's public half; undefined when it cannot be read. */
export function publicKeyFingerprint(privateKey: string): string | undefined {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || !key.isPrivateKey()) return undefined;
  return sha256Fingerprint(key.getPublicSSH());
}

const guestName = (address: GuestAddress, requester: GuestRequester) =>
  `${describeGuestVm(address)} (${requester.path})`;

function sessionKey(a: GuestAddress): string {
  return `${a.node_name}/${a.vm_id}|${a.username}@${a.host}:${a.port ?? 22}|${a.jump_host ?? ''}|${a.private_key}`;
}

/** ssh-keygen prints fingerprints without padding; the contract allows one `=`. */
function normalizePin(pin: string | undefined): string | undefined {
  return pin?.replace(/=+$/, '');
}

/** `user@host[:port]`, as the contract's `jump_host` writes it. */
function parseJumpHost(
  jump: string | undefined,
  vm: string,
): { username: string; host: string; port: number } | undefined {
  if (!jump) return undefined;
  const m = /^([^@]+)@([^:]+)(?::(\d+))?$/.exec(jump);
  if (!m)
    throw new GuestError(
      'GUEST_UNREACHABLE',
      `${vm}: the jump host ${jump} is not user@host or user@host:port`,
      'fix jumpHost on the guest target',
    );
  return { username: m[1]!, host: m[2]!, port: m[3] ? Number(m[3]) : 22 };
}

/** Connection attempts whose delays (doubling from `baseMs`, at most `maxMs`) add up to about `ms`. */
export function attemptsWithin(ms: number, baseMs: number, maxMs: number): number {
  let attempts = 1;
  let waited = 0;
  while (attempts < 10_000) {
    const next = Math.min(maxMs, baseMs * 2 ** (attempts - 1));
    if (waited + next > ms) break;
    waited += next;
    attempts++;
  }
  return attempts;
}

/** A connect failure in the guest's terms: the VM, the endpoint, the user and the engine key's fingerprint. */
function explain(
  e: unknown,
  c: {
    vm: string;
    where: string;
    address: GuestAddress;
    keyFingerprint: string;
    pin: string | undefined;
    waitedMs: number;
  },
): unknown {
  if (!isSshError(e)) return e;
  const detail = e.message.replace(/^ssh [^:]+:\d+(?: via [^:]+:\d+)*: /, '');
  const seconds = Math.round(c.waitedMs / 1000);
  switch (e.code) {
    case 'SSH_CONNECT':
      return new GuestError(
        'GUEST_UNREACHABLE',
        `${c.vm}: no SSH session to ${c.where} as ${c.address.username} (key ${c.keyFingerprint}) after waiting ${seconds} s: ${detail}`,
        e.hint ??
          'is the VM running, its SSH server started and reachable from here (address, port, firewall, jump host)? `pvecdk doctor <stackfile>` checks every guest',
        { cause: e },
      );
    case 'SSH_AUTH':
      return new GuestError(
        'GUEST_AUTH_FAILED',
        `${c.vm}: ${c.where} refused the engine's key ${c.keyFingerprint} for user ${c.address.username}: ${detail}`,
        `the public key with fingerprint ${c.keyFingerprint} must be in ${c.address.username}'s authorized_keys on the guest: cloud-init (sshkeys) puts it there when the VM is created from a template that runs cloud-init or cloudbase-init; see the README on guest templates`,
        { cause: e },
      );
    case 'SSH_HOST_KEY':
      return new GuestError(
        'GUEST_HOST_KEY_CHANGED',
        `${c.vm}: ${detail}${c.pin ? ` (pinned ${c.pin})` : ''}`,
        e.hint,
        { cause: e },
      );
    default:
      return e;
  }
}
