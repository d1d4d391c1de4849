import { defineErrorFamily } from '../../core/error-family.ts';

/** Errors resolving secret references at deploy. */
export const SECRET_ERROR_CODES = {
  SECRET_ENV_MISSING: 'a secret references an environment variable that is not set',
  SECRET_FILE_UNREADABLE: 'a secret references a file that cannot be read or is empty',
  SECRET_UNKNOWN_GENERATOR: 'no generator knows how to make a generated secret of this name',
  SECRET_STORE_CORRUPT:
    'the local secret store cannot be read, is not JSON, or is not an object of secret names to strings; its content is never quoted',
  SECRET_STORE_LOCKED:
    "another process held the local secret store's file lock longer than a write waits for it (60 s)",
  SECRET_NOT_KEPT:
    'a value received from Proxmox (a new API token secret) cannot be kept: it is empty, or not named as a received value',
} as const;

export type SecretErrorCode = keyof typeof SECRET_ERROR_CODES;

export class SecretError extends defineErrorFamily('Secrets', SECRET_ERROR_CODES, {
  whileRunning: ['SECRET_STORE_LOCKED'],
}) {}
