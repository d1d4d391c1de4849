/**
 * What a storage does while guests are cloned onto it, as pve-storage and
 * qemu-server do it:
 * - allocating a volume (`PVE::Storage::vdisk_alloc`, and `vdisk_clone` for a
 *   linked clone) holds the storage's lock (`cluster_lock_storage`: a flock on
 *   `/var/lock/pve-manager/pve-storage-<id>`, or the cluster-wide
 *   `storage-<id>` cfs lock on a shared storage) for the allocation only;
 *   a worker that waits on it longer than 10 s fails with `can't lock file
 *   '...' - got timeout` (pve-common `lock_file`'s default timeout);
 * - the data copy of a full clone (`qemu-img convert`) runs outside the
 *   lock, so concurrent copies onto one storage share its bandwidth.
 * Copies are modelled as a fluid: each of the n copies running on a storage
 * gets bandwidth / n, recomputed whenever one starts or ends.
 */

/** Proxmox's wait for a storage lock before "got timeout", ms at latency scale 1. */
export const STORAGE_LOCK_WAIT_MS = 10_000;

export interface StorageIoOptions {
  /**
   * MiB per second one storage writes, shared by every full-clone copy
   * running on it: by storage id, `*` for the others.
   * @default { '*': 1024 } (a local NVMe or a fast SAN)
   */
  readonly bandwidthMiBps?: Readonly<Record<string, number>>;
  /**
   * How long allocating one volume holds the storage's lock (`lvcreate`,
   * a thin snapshot for a linked clone), ms at latency scale 1.
   * @default 150
   */
  readonly allocateMs?: number;
}

export const DEFAULT_BANDWIDTH_MIBPS = 1024;
export const DEFAULT_ALLOCATE_MS = 150;

/** The answer to a queued allocation: when the lock was taken and given back, or when the wait timed out. */
export type Allocation =
  | { readonly ok: true; readonly lockedAtMs: number; readonly doneAtMs: number }
  | { readonly ok: false; readonly failsAtMs: number; readonly error: string };

interface Copy {
  remainingBytes: number;
  /** When this copy's share last changed, with the bytes left then. */
  sinceMs: number;
  endsAtMs: number;
  timer?: NodeJS.Timeout;
  readonly onEnd: (endsAtMs: number) => void;
}

/**
 * Which storage: a local one (local-lvm) is one per node, with its own lock
 * and disks on each; a shared one (Ceph, NFS) is one for the cluster.
 */
export interface StorageAt {
  readonly storage: string;
  readonly node: string;
  readonly shared: boolean;
}

const keyOf = (at: StorageAt) => (at.shared ? at.storage : `${at.node}/${at.storage}`);

/** The lock file a storage's allocations take, and Proxmox's message when the wait for it times out. */
export function storageLockTimeout(storage: string, shared: boolean): string {
  return shared
    ? `cfs-lock 'storage-${storage}' error: got lock request timeout`
    : `can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout`;
}

/**
 * The storages of one emulator. Time is wall-clock ms (the latency scale is
 * applied here); a copy's end moves as copies join and leave, and `onEnd` is
 * told each new estimate, so the task waiting for it can be retimed.
 */
export class StorageIo {
  private readonly lockFreeAtMs = new Map<string, number>();
  private readonly copies = new Map<string, Set<Copy>>();
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly allocateMs: number;
  /** The storage id of each key (`pve1/local-lvm` → `local-lvm`), for its bandwidth. */
  private readonly idOf = new Map<string, string>();

  constructor(
    private readonly latencyScale: number,
    private readonly options: StorageIoOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.allocateMs = (options.allocateMs ?? DEFAULT_ALLOCATE_MS) * latencyScale;
  }

  /** Bytes per wall-clock ms the storage writes (infinite at latency scale 0). */
  private bytesPerMs(storage: string): number {
    const mibps = this.options.bandwidthMiBps?.[storage] ?? this.options.bandwidthMiBps?.['*'];
    const perSecond = (mibps ?? DEFAULT_BANDWIDTH_MIBPS) * 1024 * 1024;
    return this.latencyScale === 0 ? Number.POSITIVE_INFINITY : perSecond / 1000 / this.latencyScale;
  }

  /**
   * Queues `volumes` allocations on the storage's lock at `atMs` (in order of
   * arrival); one whose wait would pass Proxmox's timeout fails and takes nothing.
   */
  allocate(at: StorageAt, volumes: number, atMs = this.now()): Allocation {
    const key = keyOf(at);
    const freeAt = Math.max(atMs, this.lockFreeAtMs.get(key) ?? 0);
    const waitLimit = STORAGE_LOCK_WAIT_MS * this.latencyScale;
    if (freeAt - atMs > waitLimit)
      return { ok: false, failsAtMs: atMs + waitLimit, error: storageLockTimeout(at.storage, at.shared) };
    const doneAtMs = freeAt + this.allocateMs * volumes;
    this.lockFreeAtMs.set(key, doneAtMs);
    return { ok: true, lockedAtMs: freeAt, doneAtMs };
  }

  /**
   * Copies `bytes` onto the storage from `atMs` on, sharing its bandwidth;
   * returns the end estimated now and calls `onEnd` with every later estimate.
   */
  copy(at: StorageAt, bytes: number, atMs: number, onEnd: (endsAtMs: number) => void): number {
    const storage = keyOf(at);
    this.idOf.set(storage, at.storage);
    const rate = this.bytesPerMs(at.storage);
    const running = this.copies.get(storage)?.size ?? 0;
    const estimate = atMs + (bytes / rate) * (running + 1);
    const join = () => {
      const copy: Copy = { remainingBytes: bytes, sinceMs: this.now(), endsAtMs: estimate, onEnd };
      const set = this.copies.get(storage) ?? new Set<Copy>();
      this.copies.set(storage, set);
      this.progress(storage);
      set.add(copy);
      this.reshare(storage);
    };
    const delay = atMs - this.now();
    if (delay <= 0 || !Number.isFinite(rate)) {
      if (!Number.isFinite(rate)) return atMs;
      join();
    } else this.later(delay, join);
    return estimate;
  }

  /** Cancels every timer: copies still running stay with the end their task was last given. */
  stop(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    for (const set of this.copies.values()) for (const c of set) clearTimeout(c.timer);
    this.copies.clear();
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.pending.add(timer);
    return timer;
  }

  /** Counts down what each copy on the storage wrote since its share last changed. */
  private progress(storage: string): void {
    const set = this.copies.get(storage);
    if (!set?.size) return;
    const share = this.bytesPerMs(this.idOf.get(storage)!) / set.size;
    const now = this.now();
    for (const c of set) {
      c.remainingBytes = Math.max(0, c.remainingBytes - share * (now - c.sinceMs));
      c.sinceMs = now;
    }
  }

  /** New shares after a copy joined or left: every end moves, and each task is told. */
  private reshare(storage: string): void {
    const set = this.copies.get(storage);
    if (!set?.size) return;
    const share = this.bytesPerMs(this.idOf.get(storage)!) / set.size;
    const now = this.now();
    for (const c of set) {
      clearTimeout(c.timer);
      if (c.timer) this.pending.delete(c.timer);
      c.endsAtMs = now + c.remainingBytes / share;
      c.onEnd(c.endsAtMs);
      c.timer = this.later(c.endsAtMs - now, () => {
        this.progress(storage);
        set.delete(c);
        this.reshare(storage);
      });
    }
  }
}
