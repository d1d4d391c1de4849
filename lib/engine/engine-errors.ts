import { defineErrorFamily } from '../core/error-family.ts';

/** Errors of the deploy engine's own bookkeeping: state and locks. */
export const ENGINE_ERROR_CODES = {
  ENGINE_STATE_CORRUPT: 'a state file cannot be read or does not match the state format',
  ENGINE_STATE_CONFLICT:
    "a state write found the backend's row at another version than the one read: another process wrote the stack meanwhile",
  ENGINE_STATE_UNRECORDED:
    'the state after completed actions could not be written to the backend, even after retries; it was written to a local recovery file, named with the hint to push it',
  ENGINE_STATE_NEWER:
    'pvecdk state migrate found a newer state (or another one of the same serial) in the target backend and left it as it is',
  ENGINE_BACKEND_UNREACHABLE: 'the state backend (PostgreSQL) cannot be reached or refused the login',
  ENGINE_BACKEND_SCHEMA:
    "the state backend's schema is newer than this pvecdk knows: a newer pvecdk writes to it (upgrade this one)",
  ENGINE_LOCKED:
    "another deploy holds the stack's lock in a mode that excludes the one asked (still, when a wait was asked)",
  ENGINE_DATA_LOSS: 'the change would delete or replace a VM or disk and --allow-destroy-data was not given',
  ENGINE_NOT_OWNED: 'a live object with the planned id exists but this stack does not own it',
  ENGINE_DISK_RETAINED: 'the change would destroy a disk whose lifecycle is retain',
  ENGINE_NEEDS_REPLACE:
    'the change cannot be made in place (a disk asked to shrink) and pvecdk replaces the resource only when asked with --replace <path>',
  ENGINE_NO_HANDLER: 'the engine has no handler for a resource type it would have to change',
  ENGINE_CRITICAL_SNAPSHOT_FAILED:
    'the snapshot before a critical change could not be taken, so nothing was changed',
  ENGINE_CRITICAL_ROLLED_BACK:
    'a critical change failed to apply or verify; its VM was rolled back to the snapshot taken before it',
  ENGINE_CRITICAL_ROLLBACK_FAILED:
    'a critical change failed and so did the rollback; the VM must be rolled back by hand to the named snapshot',
  ENGINE_REFERENCE_UNKNOWN:
    "a reference to another resource's attribute has no value yet: the resource it points to is not deployed",
  ENGINE_INVALID_PROPERTIES:
    "a resource's properties, with its references resolved, do not match its plan type's contract",
  ENGINE_CANNOT_APPLY: 'the engine cannot make this change (what it needs is named); nothing was changed',
  ENGINE_NO_SECRET_STORE:
    'a change needs the secret store (to read a secret, or to keep one Proxmox shows only once) and this run has none',
  ENGINE_STACK_CLAIMED:
    'another stack file (or App) deployed a stack of this name; a copied file does not take it over without --takeover',
  ENGINE_PERMISSION_MISSING:
    'the API token lacks privileges the deploy needs; each is named with its path and the resources needing it',
  ENGINE_INVALID_OPTION:
    'an option given to the engine is out of range (a concurrency below 1) or names what is not there (a --replace path)',
  ENGINE_INTERNAL:
    'the engine met a state its own code should have prevented: a bug in pvecdk, to report with the output of --debug',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

export class EngineError extends defineErrorFamily('Engine', ENGINE_ERROR_CODES, {
  whileRunning: [
    'ENGINE_STATE_CONFLICT',
    'ENGINE_STATE_UNRECORDED',
    'ENGINE_CRITICAL_SNAPSHOT_FAILED',
    'ENGINE_CRITICAL_ROLLED_BACK',
    'ENGINE_CRITICAL_ROLLBACK_FAILED',
  ],
}) {}

/** The hint of every ENGINE_INTERNAL error. */
export const BUG_HINT = 'this is a bug in pvecdk; please report it with the output of --debug';
