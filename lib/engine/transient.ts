import { PveError } from '../pve/errors.ts';
import { SshError } from '../ssh/ssh-errors.ts';

const RETRYABLE = new Set(['PVE_LOCKED', 'PVE_TIMEOUT', 'PVE_CONNECTION', 'PVE_SERVER']);

/**
 * Transient: another operation held a lock, a task hit a storage lock
 * timeout, the server hiccupped, or a guest's SSH connection dropped (the
 * retry reads the guest again and finishes what is left: guest handlers
 * converge).
 */
export function isTransient(error: unknown): boolean {
  // A handler that adds its resource's path keeps the cause: what counts is the error underneath.
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof SshError) return e.code === 'SSH_DISCONNECTED';
    if (!(e instanceof PveError)) continue;
    if (RETRYABLE.has(e.code)) return true;
    return e.code === 'PVE_TASK_FAILED' && /can't lock file|got timeout|lock/i.test(e.message);
  }
  return false;
}

/**
 * A task that waited past Proxmox's 10 s on a storage's lock (pve-storage's
 * cluster_lock_storage around volume allocation): the storage is taking more
 * allocations at once than it can, a reason to run fewer clones on it.
 */
export function isStorageLockTimeout(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (!(e instanceof PveError)) continue;
    return (
      e.code === 'PVE_TASK_FAILED' &&
      /pve-storage-[^']*' - got timeout|cfs-lock 'storage-[^']*' error: got lock request timeout/.test(
        e.message,
      )
    );
  }
  return false;
}
