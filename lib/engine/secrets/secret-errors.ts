import { defineErrorFamily } from '../../core/error-family.ts';

/** Errors resolving secret references at deploy. */
export const SECRET_ERROR_CODES = {
  SECRET_ENV_MISSING: 'a secret references an environment variable that is not set',
  SECRET_FILE_UNREADABLE: 'a secret references a file that cannot be read or is empty',
  SECRET_UNKNOWN_GENERATOR: 'no generator knows how to make a generated secret of this name',
  SECRET_STORE_CORRUPT:
    'the local secret store cannot be read, is not JSON, or is not an object of secret names to strings, or the team store (pvecdk.secrets.json) is damaged or truncated: an entry does not decrypt or holds another secret; its content is never quoted',
  SECRET_STORE_LOCKED:
    "another process held the secret store's file lock (local or team store) longer than a write waits for it (60 s)",
  SECRET_NOT_KEPT:
    'a value received from Proxmox (a new API token secret) cannot be kept: it is empty, or not named as a received value',
  SECRET_NO_IDENTITY:
    'cdk.json lists age recipients, and this process has no age identity (PVECDK_AGE_IDENTITY_FILE, else the per-user default file, does not exist)',
  SECRET_IDENTITY_INVALID:
    'the age identity file cannot be read, holds no identity, or has a line that is not one',
  SECRET_IDENTITY_MISMATCH:
    'no age identity of this process is a recipient the team store is encrypted to: an operator who can read it must add yours',
  SECRET_STORE_NOT_MIGRATED:
    'cdk.json lists age recipients while the local secret store still holds secrets: `pvecdk secrets migrate` moves them',
  SECRET_MIGRATE_CONFLICT: 'a secret is in both the local store and the team store, with different values',
  SECRET_RECIPIENTS_LOCKOUT:
    'a write would encrypt the team store to no recipient, or to none this process holds an identity of, leaving a store it cannot read',
  SECRET_AGE_INTERNAL: 'age encryption failed or did not answer (a bug in pvecdk)',
} as const;

export type SecretErrorCode = keyof typeof SECRET_ERROR_CODES;

export class SecretError extends defineErrorFamily('Secrets', SECRET_ERROR_CODES, {
  whileRunning: ['SECRET_STORE_LOCKED'],
}) {}
