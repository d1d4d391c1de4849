import type { AcquireLockOptions, LockHolder, LockMode, LockWait } from '../deploy-lock.ts';
import type { StackState, StateStore } from '../state-store.ts';

/**
 * Where pvecdk keeps what it knows between runs about the stacks of a remote:
 * their state, their deploy locks and the history of applied plans. `local`
 * is the state folder of one machine (the default); `pg` is one PostgreSQL
 * database several operators and CI jobs share.
 */
export interface StateBackend {
  /** `local` or `pg`, for messages and `pvecdk state list`. */
  readonly kind: BackendKind;
  /** Where it is, for messages: the state folder, or `PostgreSQL` (never its URL, which holds a password). */
  readonly where: string;
  /** The stack's state as it is now; its writes go to this backend. */
  open(remote: string, stack: string): Promise<StateStore>;
  /** Takes the stack's deploy lock (see lib/engine/deploy-lock.ts for the modes and the wait). */
  acquireLock(
    remote: string,
    stack: string,
    command: string,
    options: AcquireLockOptions & { readonly wait?: LockWait | undefined },
  ): Promise<BackendLock>;
  /** Everyone holding the stack's lock, the exclusive holder first. */
  lockHolders(remote: string, stack: string): Promise<LockHolder[]>;
  /** Every stack this backend holds state of, by remote then stack. */
  list(): Promise<StoredStack[]>;
  /**
   * Writes a whole state brought from elsewhere (`pvecdk state migrate`):
   * kept when the backend has none, or an older serial; `same` when it holds
   * this very state; refused (`newer`) when it holds a newer serial, or the
   * same serial with other content.
   */
  importState(state: StackState): Promise<ImportOutcome>;
  /** Records that a plan was applied to a stack. */
  appendHistory(entry: HistoryEntry): Promise<void>;
  /** The stack's applied plans, oldest first. */
  history(remote: string, stack: string): Promise<HistoryEntry[]>;
  close(): Promise<void>;
}

export type BackendKind = 'local' | 'pg';

export type ImportOutcome = 'written' | 'same' | 'newer';

export interface StoredStack {
  readonly remote: string;
  readonly stack: string;
  readonly serial: number;
  readonly resources: number;
}

/** One applied plan: what ran, where, and what it did. */
export interface HistoryEntry {
  readonly remote: string;
  readonly stack: string;
  /** The state's serial after the run. */
  readonly serial: number;
  readonly appliedAt: string;
  readonly command: string;
  readonly hostname: string;
  readonly pid: number;
  /** SHA-256 of the applied plan as JSON. */
  readonly planSha256: string;
  /** How many resources took each action (`create`, `update`, `delete`, …). */
  readonly actions: Readonly<Record<string, number>>;
  readonly ok: boolean;
}

/** A held deploy lock of a backend. */
export interface BackendLock {
  readonly mode: LockMode;
  /** Holders removed to take the lock: stale ones, or those in the way when forced. */
  readonly removed: readonly LockHolder[];
  /** Lets go of the lock; calling it again does nothing. */
  release(): Promise<void>;
  /** Turns an exclusive holding into a shared one in one step (see HeldLock.downgrade). */
  downgrade(): Promise<BackendLock>;
}
