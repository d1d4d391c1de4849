import { z } from 'zod';
import { SshError } from './ssh-errors.ts';

/** `SHA256:` and 43 base64 characters without padding: what `ssh-keygen -l` and `ssh` print. */
export const SHA256_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The host key a guest presented, handed to a trust-on-first-use callback. */
export interface PresentedHostKey {
  readonly host: string;
  readonly port: number;
  /** e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  readonly keyType: string;
  /** `SHA256:…` of the raw public key, as OpenSSH prints it. */
  readonly fingerprint: string;
}

/**
 * Trust on first use: called with the key a guest presented when no fingerprint is
 * pinned. Record it (e.g. in state) and return the fingerprint to accept it; return
 * anything else (or throw) to refuse the connection before anything is sent.
 */
export type AcceptNewHostKey = (key: PresentedHostKey) => string | undefined | Promise<string | undefined>;

const fingerprint = z
  .string()
  .regex(
    SHA256_FINGERPRINT,
    'expected a SHA-256 fingerprint as OpenSSH prints it (SHA256: and 43 base64 characters)',
  );

const secretText = z.union([z.string().min(1), z.instanceof(Buffer)], {
  message: 'expected the value itself: a non-empty string or a Buffer',
});

const authSchema = z
  .object({
    /** The private key itself (PEM or OpenSSH format), resolved from a secret; never a path. */
    privateKey: secretText.optional(),
    passphrase: z.string().optional(),
    password: z.string().min(1).optional(),
    /** Path of an ssh-agent socket (e.g. `$SSH_AUTH_SOCK`). */
    agent: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => a.privateKey !== undefined || a.password !== undefined || a.agent !== undefined, {
    message: 'give at least one of privateKey, password or agent',
  });

export type SshAuth = z.infer<typeof authSchema>;

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly auth: SshAuth;
  /** Pinned host key fingerprint(s); one must match. */
  readonly hostKey?: string | readonly string[] | undefined;
  readonly acceptNewHostKey?: AcceptNewHostKey | undefined;
  /** Reach this target through another one (ssh2 forwardOut over the jump's connection). */
  readonly jump?: SshTarget | undefined;
}

/** What callers pass: `port` may be left out (22). */
export type SshTargetInput = Omit<SshTarget, 'port' | 'jump'> & {
  readonly port?: number | undefined;
  readonly jump?: SshTargetInput | undefined;
};

const targetSchema: z.ZodType<SshTarget> = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1).max(255),
    auth: authSchema,
    hostKey: z
      .union([fingerprint, z.array(fingerprint).min(1)], {
        message: 'expected a fingerprint or a non-empty list of fingerprints',
      })
      .optional(),
    acceptNewHostKey: z
      .custom<AcceptNewHostKey>((v) => typeof v === 'function', { message: 'expected a function' })
      .optional(),
    get jump() {
      return targetSchema.optional();
    },
  })
  .strict()
  .refine((t) => t.hostKey !== undefined || t.acceptNewHostKey !== undefined, {
    message:
      "pin the guest's host key (hostKey: 'SHA256:…', from `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the guest) or pass acceptNewHostKey to trust it on first use",
    path: ['hostKey'],
  }) as unknown as z.ZodType<SshTarget>;

/**
 * Validates a target. The error names the failing fields and what was expected,
 * never a value (the auth fields hold secrets).
 */
export function parseSshTarget(input: SshTargetInput): SshTarget {
  const parsed = targetSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(target)'}: ${safeMessage(i)}`);
  throw new SshError(
    'SSH_TARGET_INVALID',
    `invalid SSH target ${describeInput(input)}:\n${lines.join('\n')}`,
  );
}

/** zod messages describe types and formats; an unexpected one is replaced rather than risk echoing a value. */
function safeMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    case 'custom':
    case 'invalid_type':
    case 'invalid_format':
    case 'invalid_union':
    case 'too_small':
    case 'too_big':
      return issue.message;
    default:
      return `invalid (${issue.code})`;
  }
}

function describeInput(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '(not an object)';
  const t = input as Partial<Record<'host' | 'port' | 'username', unknown>>;
  const user = typeof t.username === 'string' ? t.username : '?';
  const host = typeof t.host === 'string' ? t.host : '?';
  const port = typeof t.port === 'number' ? t.port : 22;
  return `${user}@${host}:${port}`;
}

/** `user@host:port`, then ` via user@jump:port` for each hop: what errors and logs show. */
export function describeTarget(target: SshTarget): string {
  const self = `${target.username}@${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  return target.jump ? `${self} via ${describeTarget(target.jump)}` : self;
}

export function pinnedFingerprints(target: SshTarget): readonly string[] {
  if (target.hostKey === undefined) return [];
  return typeof target.hostKey === 'string' ? [target.hostKey] : target.hostKey;
}
