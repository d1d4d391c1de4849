import type { PveApi } from '../../pve/api/pve-api.ts';
import type { ClusterResource } from '../../pve/api/schemas.ts';

/** What a change does to a resource. */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'no-op';

/** One property that differs, in the provider's terms (or the API key where that is clearer). */
export interface PropertyChange {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
  /** Proxmox cannot change it in place: the resource must be replaced. */
  readonly forcesReplacement: boolean;
}

export interface PlannedChange {
  readonly action: ChangeAction;
  readonly changes: readonly PropertyChange[];
  /** Deleting or replacing would lose data (a VM's disks). */
  readonly destroysData: boolean;
}

/** A plan resource with its references resolved (secrets still as references). */
export interface DesiredResource {
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly properties: Record<string, unknown>;
}

/**
 * Whose a live object is, for types that carry ownership marks (VMs):
 * `mine` (tagged for this stack), `unfinished` (this stack's clone, killed
 * before it was tagged), `other` (another stack's) or `foreign` (not made by pvecdk).
 */
export type Ownership =
  | { readonly kind: 'mine' }
  | { readonly kind: 'unfinished' }
  | { readonly kind: 'other'; readonly stack: string }
  | { readonly kind: 'foreign' };

/** What the engine knows of a live object, from one bulk read plus the configs it needed. */
export interface Observed {
  /** Set by handlers of types that carry ownership marks; the engine never changes what is not its own. */
  readonly ownership?: Ownership;
  /** Attributes other resources reference (`vm_id`, `node_name`, `mac_addresses`). */
  readonly attributes: Record<string, unknown>;
  /** The object as the API returned it, for diffing. */
  readonly live: Record<string, unknown>;
}

export interface HandlerContext {
  readonly api: PveApi;
  /** `/cluster/resources`, read once per deploy: handlers look things up here before reading more. */
  readonly inventory: readonly ClusterResource[];
  /** The stack, for ownership tags. */
  readonly stack: string;
  /**
   * While planning only: reads of lists several resources share (a node's
   * network, the cluster's backup jobs) are made once. Absent while applying,
   * where every read must see what the walk has changed so far.
   */
  readonly planningCache?: Map<string, Promise<unknown>>;
  /**
   * Resolves the plan's secret references (`env:X`, `file:p`, `generated:n`)
   * and keeps values Proxmox shows only once (a new API token's secret); the
   * SecretStore. Absent where nothing may be written (plan-only runs):
   * handlers that need it refuse to change anything without it.
   */
  readonly secrets?: SecretResolver;
}

/** The part of the SecretStore handlers use. */
export interface SecretResolver {
  resolve(reference: string): string;
  remember?(name: string, value: string): void;
  forget?(name: string): void;
}

/**
 * How one plan type is read, diffed and changed. Proxmox handlers talk to the
 * REST API; guest handlers (`pvecdk_*`) will plug in with the same shape.
 */
export interface ResourceHandler {
  readonly type: string;
  /** Semaphore keys the walker takes while this resource changes (`node:pve1`, `template:9001`). */
  locks(resource: DesiredResource, change?: PlannedChange): string[];
  read(ctx: HandlerContext, resource: DesiredResource): Promise<Observed | undefined>;
  /**
   * `previous` holds the plan properties last applied (from state), for what
   * only a removal from the plan can tell, such as a disk that was dropped.
   */
  plan(
    resource: DesiredResource,
    observed: Observed | undefined,
    previous?: Readonly<Record<string, unknown>>,
  ): PlannedChange;
  /** Creates, updates or replaces; returns the attributes to keep in state. */
  apply(
    ctx: HandlerContext,
    resource: DesiredResource,
    change: PlannedChange,
    observed: Observed | undefined,
  ): Promise<Record<string, unknown>>;
  delete(ctx: HandlerContext, attributes: Record<string, unknown>): Promise<void>;
  /**
   * The VM snapshotted before a critical change of this resource (guest
   * resources: the VM they change). Such handlers should also lock that VM in
   * `locks`, so a rollback never undoes another resource's change.
   */
  snapshotTarget?(resource: DesiredResource): SnapshotTarget | undefined;
  /** Checks that an applied change holds; throws, saying what does not, when it does not. */
  verify?(ctx: HandlerContext, resource: DesiredResource, attributes: Record<string, unknown>): Promise<void>;
}

/** A VM by node and id: what a critical change snapshots and rolls back. */
export interface SnapshotTarget {
  readonly node: string;
  readonly vmid: number;
}

/** A read shared by the resources planned together (see `planningCache`); a plain read otherwise. */
export function sharedRead<T>(ctx: HandlerContext, key: string, load: () => Promise<T>): Promise<T> {
  const cache = ctx.planningCache;
  if (!cache) return load();
  let hit = cache.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    cache.set(key, hit);
    // A failed read is not remembered: the next resource tries again.
    hit.catch(() => cache.delete(key));
  }
  return hit;
}
