import ssh2 from 'ssh2';
import type { SecretResolver } from '../handlers/handler.ts';
import { GuestError } from './guest-errors.ts';

/** `{"public_key": {"secret": "generated:ssh/guest"}}`: the public half of a key held as a secret. */
export interface PlanPublicKey {
  readonly public_key: { readonly secret: string };
}

export function isPlanPublicKey(v: unknown): v is PlanPublicKey {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length !== 1) return false;
  const inner = (v as { public_key?: unknown }).public_key;
  return (
    typeof inner === 'object' &&
    inner !== null &&
    Object.keys(inner).length === 1 &&
    typeof (inner as { secret?: unknown }).secret === 'string'
  );
}

/**
 * The `authorized_keys` line of the key a secret reference holds: a public
 * key line as it is, or the public half of a private key (never the
 * private key itself). Public keys are not secret: this line may be shown,
 * stored and sent to Proxmox (`sshkeys`).
 */
export function publicKeyLine(secrets: SecretResolver, reference: string): string {
  const value = secrets.resolve(reference).trim();
  if (/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/]+=*( .*)?$/.test(value))
    return value.split(/\s+/).slice(0, 2).join(' ');
  const parsed = ssh2.utils.parseKey(value);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error)
    throw new GuestError(
      'GUEST_KEY_INVALID',
      `the secret ${reference} holds neither an SSH private key pvecdk can read nor a public key line`,
      'point it at an unencrypted ed25519 or RSA private key (OpenSSH or PEM format) or at its .pub line',
    );
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}
