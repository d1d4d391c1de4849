import type { z } from 'zod';
import type { PlanTypeDefinition, PropertiesOf } from '../../contract/plan-type.ts';
import type { PlanReference } from '../../contract/plan-values.ts';
import type { PveApi } from '../../pve/api/pve-api.ts';
import type { ClusterResource } from '../../pve/api/schemas.ts';
import type { GuestTransport } from '../guest/guest-transport.ts';
import type { CallParams, Requirement } from '../preflight/endpoint-permissions.ts';
import type { KeptEdit } from '../secrets/secret-store.ts';

/** What a change does to a resource. */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'no-op';

/**
 * One property that differs. `key` is the plan property path as the
 * contract names it (`cpu.cores`, `memory.dedicated`, `disk[0]`,
 * `network_device[0]`, `initialization.ip_config[0]`, `enabled`); only what
 * the engine changes without a plan property saying so keeps a descriptive
 * key (`(replace)`, `file_size`). `api` is the Proxmox key it is sent as
 * (`cores`, `memory`, `scsi1`, `net0`, `enable`), set only where it differs:
 * what the CLI shows beside the name, and what a handler's apply acts on.
 */
export interface PropertyChange {
  readonly key: string;
  readonly api?: string;
  readonly from: unknown;
  readonly to: unknown;
  /** Proxmox cannot change it in place: the resource must be replaced. */
  readonly forcesReplacement: boolean;
  /**
   * Why this change is made only when the operator asks for the replacement
   * by name (`--replace <path>`): it cannot be made in place, and a
   * replacement would surprise (a disk asked to shrink). Without the ask the
   * run is refused (ENGINE_NEEDS_REPLACE).
   */
  readonly replaceOnlyWhenAsked?: string;
}

/** What the engine computed for one resource: the action and the property-level changes. */
export interface ResourceChange {
  readonly action: ChangeAction;
  readonly changes: readonly PropertyChange[];
  /** Deleting or replacing would lose data (a VM's disks). */
  readonly destroysData: boolean;
  /**
   * Nothing to change live: only what state records of the plan changes (a
   * disk's lifecycle, `stop_on_destroy`), which later decisions read.
   */
  readonly recordOnly?: boolean;
  /**
   * The plan now names another live object (another pool id, VM id, bridge
   * name): this one is made, then the one state recorded is deleted.
   */
  readonly retires?: boolean;
}

/** A plan resource with its references resolved and its properties checked against its contract. */
export interface DesiredResource<P = unknown> {
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly props: P;
}

/**
 * What the state recorded of an applied resource: the attributes its handler
 * returned, and the plan properties last applied (references unresolved).
 */
export interface AppliedResource {
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly properties: Readonly<Record<string, unknown>>;
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
  /** The object as the API returned it, for comparing. */
  readonly live: Record<string, unknown>;
}

/** Bulk reads by what they list (`cluster:backup`, `network:pve1`): see `HandlerContext.readCache`. */
export type ReadCache = Map<string, Promise<unknown>>;

export interface HandlerContext {
  readonly api: PveApi;
  /** `/cluster/resources`, read once per deploy: handlers look things up here before reading more. */
  readonly inventory: readonly ClusterResource[];
  /** The stack, for ownership tags. */
  readonly stack: string;
  /**
   * While computing changes only: reads of lists several resources share (a
   * node's network, the cluster's backup jobs) are made once. Absent while
   * applying, where every read must see what the walk has changed so far.
   */
  readonly readCache?: ReadCache;
  /**
   * Resolves the plan's secret references (`env:X`, `file:p`, `generated:n`)
   * and keeps values Proxmox shows only once (a new API token's secret); the
   * SecretStore. Absent where nothing may be written (diff-only runs):
   * handlers that need it refuse to change anything without it.
   */
  readonly secrets?: SecretResolver;
  /**
   * Reaches inside guests (the `pvecdk_*` types): chosen by the CLI for the
   * remote. Absent where no guest may be reached: guest handlers then refuse
   * with a message saying so.
   */
  readonly guests?: GuestTransport;
  /**
   * Tells the operator what a guest resource is waiting for (a guest still
   * booting) or did not do (a command left in place on delete); the deploy
   * prints it, nothing stops.
   */
  readonly notify?: (message: string) => void;
  /**
   * The operator allowed data to be destroyed (`--allow-destroy-data`): a
   * deletion that would only retire an object otherwise deletes its data too
   * (an RDS account's profile).
   */
  readonly allowDestroyData?: boolean;
}

/** The part of the SecretStore handlers use. */
export interface SecretResolver {
  resolve(reference: string): string;
  remember?(name: string, value: string): void;
  forget?(name: string): void;
  /** A kept value without generating it (the VPN CA's current CRL, a user's certificate). */
  stored?(name: string): string | undefined;
  /** Changes kept values together, under the store's lock (a revocation: record, CRL, dropped certificate). */
  edit?<T>(change: (current: Readonly<Record<string, string>>) => KeptEdit<T>): T;
}

/** A VM by node and id: what a critical change snapshots and rolls back. */
export interface SnapshotTarget {
  readonly node: string;
  readonly vmid: number;
}

/**
 * Plan properties as far as they are known before a deploy: references to
 * resources not deployed yet are undefined. What the permission preflight
 * works from.
 */
export type KnownProperties<T> = T extends PlanReference
  ? undefined
  : T extends readonly (infer E)[]
    ? KnownProperties<E>[]
    : T extends object
      ? { readonly [K in keyof T]?: KnownProperties<T[K]> }
      : T;

/** A plan resource for the preflight: what the deploy of it may need. */
export interface PreflightResource<P> {
  readonly stack: string;
  readonly path: string;
  readonly props: P;
  readonly critical: boolean;
}

/** What a handler's `readPreflightFacts` found, handed back to its `requirements`. */
export type PreflightFacts = Readonly<Record<string, unknown>>;

/** Looks up what an API call needs, from the schema's permission checks. */
export type EndpointCall = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  template: string,
  params?: CallParams,
) => Requirement[];

/**
 * Edits Proxmox stages and applies in one go for a whole group (a node's
 * network): the engine applies each group once, after every change in it and
 * before anything that uses them.
 */
export interface StagedGroup<P> {
  /** The group a resource's change is staged in, e.g. `network-apply:pve1`. */
  groupOf(props: P): string;
  /** The group a deletion (from state) is staged in. */
  groupOfApplied(entry: AppliedResource): string;
  /** Reads what is needed to put the group back, before anything is staged. */
  capture(ctx: HandlerContext, group: string): Promise<unknown>;
  /** Applies the group's staged edits; on failure puts back what `capture` read, then throws. */
  apply(ctx: HandlerContext, group: string, captured: unknown): Promise<void>;
}

type PlanOutput<D extends PlanTypeDefinition> = z.output<D['plan']>;

/**
 * How one plan type is read, compared and changed, and what it needs: each
 * handler owns everything type-specific, so the engine names no type. Proxmox
 * handlers talk to the REST API; guest handlers (`pvecdk_*`) plug in with the
 * same shape.
 */
export interface ResourceHandler<D extends PlanTypeDefinition = PlanTypeDefinition> {
  /** The plan type's contract: the engine parses properties with it once, handlers work typed from there. */
  readonly contract: D;
  /** Semaphore keys the walker takes while this resource changes (`node:pve1`, `storage:local-lvm`). */
  locks(resource: DesiredResource<PropertiesOf<D>>, change?: ResourceChange): string[];
  read(ctx: HandlerContext, resource: DesiredResource<PropertiesOf<D>>): Promise<Observed | undefined>;
  /**
   * What must change for the live object to match. `previous` holds the
   * plan properties last applied (from state), for what only a removal from
   * the plan can tell, such as a disk that was dropped.
   */
  diff(
    resource: DesiredResource<PropertiesOf<D>>,
    observed: Observed | undefined,
    previous?: PlanOutput<D>,
  ): ResourceChange;
  /** Creates, updates or replaces; returns the attributes to keep in state. */
  apply(
    ctx: HandlerContext,
    resource: DesiredResource<PropertiesOf<D>>,
    change: ResourceChange,
    observed: Observed | undefined,
  ): Promise<Record<string, unknown>>;
  /** Deletes what state says was applied. */
  delete(ctx: HandlerContext, applied: AppliedResource): Promise<void>;

  /** Every privilege the read, create, update, replace and delete of this resource may need. */
  requirements(
    resource: PreflightResource<KnownProperties<PlanOutput<D>>>,
    call: EndpointCall,
    facts?: PreflightFacts,
  ): Requirement[];
  /** What the preflight must read first for this type's requirements (the templates VMs are cloned from). */
  readPreflightFacts?(
    api: PveApi,
    resources: readonly PreflightResource<KnownProperties<PlanOutput<D>>>[],
  ): Promise<PreflightFacts>;
  /**
   * An attribute of a resource not deployed yet, as far as its plan
   * properties tell (a token's id is `user!name`); by default the property of
   * the same name.
   */
  predictAttribute?(props: KnownProperties<PlanOutput<D>>, attribute: string): unknown;
  /**
   * The Proxmox key (config key, API parameter) a plan property path is sent
   * as (`cpu.cores` → `cores`, `disk[0].size` → `scsi1`), where it differs;
   * undefined for what only the engine reads (`started`, a disk's
   * `lifecycle`). What a create's listing shows beside each property.
   */
  proxmoxKey?(path: string, props: KnownProperties<PlanOutput<D>>): string | undefined;
  /** ACL paths whose grants also cover another (a VM in a pool: `/vms/100` → `/pool/acme`). */
  inheritedPaths?(props: KnownProperties<PlanOutput<D>>): ReadonlyArray<readonly [string, string]>;

  /**
   * Its `apply` makes a `replace` (deletes the live object, creates it anew),
   * so an operator may ask for one by name (`--replace <path>`).
   */
  readonly replaceable?: boolean;
  /**
   * Live objects of this stack that neither state nor the plan knows: what a
   * deploy killed before it recorded them left (a clone with this stack's
   * creation mark or tags). They are deleted like a resource that left the
   * plan, guarded the same way. `known` are the live ids state and the plan
   * account for; each orphan names the recorded resources it lives in
   * (`dependsOn`: a pool), so it goes before them.
   */
  findOrphans?(
    ctx: HandlerContext,
    recorded: readonly AppliedResource[],
    known: ReadonlySet<string>,
  ): Promise<ReadonlyArray<AppliedResource & { readonly dependsOn: readonly string[] }>>;
  /** The live id a plan resource of this type names (a VM's `vm_id`), for `findOrphans`' `known`. */
  liveIdOf?(properties: Readonly<Record<string, unknown>>): string | undefined;
  /** Whether deleting it destroys data (a VM takes its disks with it). */
  deletionDestroysData?(applied: AppliedResource): boolean;
  /** Refuses, before any write, a deletion that must not happen (a retained disk); throws saying why. */
  checkDeletion?(applied: AppliedResource, why: string): void;
  /**
   * Before deleting: whether the live object is still there and still this
   * stack's. Throws ENGINE_NOT_OWNED when it is not; 'gone' skips the delete.
   */
  ownedForDeletion?(ctx: HandlerContext, applied: AppliedResource): Promise<'owned' | 'gone'>;
  /**
   * It reads and changes inside guests through `ctx.guests` (the `pvecdk_*`
   * types): in a run without a guest transport its resources are reported
   * pending, like a type without a handler, never applied or claimed done.
   */
  readonly reachesGuests?: boolean;
  /** Present for types whose edits are staged and applied per group. */
  readonly staging?: StagedGroup<PropertiesOf<D>>;

  /**
   * The VM snapshotted before a critical change of this resource (guest
   * resources: the VM they change). Such handlers should also lock that VM in
   * `locks`, so a rollback never undoes another resource's change.
   */
  snapshotTarget?(resource: DesiredResource<PropertiesOf<D>>): SnapshotTarget | undefined;
  /** Checks that an applied change holds; throws, saying what does not, when it does not. */
  verify?(
    ctx: HandlerContext,
    resource: DesiredResource<PropertiesOf<D>>,
    attributes: Record<string, unknown>,
  ): Promise<void>;
}

/** A change of the plan property `key`, sent to Proxmox as `api` (kept only where it differs from `key`). */
export function propertyChange(
  key: string,
  from: unknown,
  to: unknown,
  options: { readonly api?: string | undefined; readonly forcesReplacement?: boolean } = {},
): PropertyChange {
  return {
    key,
    ...(options.api !== undefined && options.api !== key ? { api: options.api } : {}),
    from,
    to,
    forcesReplacement: options.forcesReplacement ?? false,
  };
}

/** The Proxmox key a change is sent as. */
export const proxmoxKeyOf = (c: PropertyChange): string => c.api ?? c.key;

/** Declares a handler with its types checked against its contract. */
export function defineHandler<D extends PlanTypeDefinition>(handler: ResourceHandler<D>): ResourceHandler<D> {
  return handler;
}

/** A read shared by the resources compared together (see `readCache`); a plain read otherwise. */
export function sharedRead<T>(ctx: HandlerContext, key: string, load: () => Promise<T>): Promise<T> {
  const cache = ctx.readCache;
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

/** The changes as an update, or a no-op when there are none. */
export function updateOrNoOp(changes: readonly PropertyChange[]): ResourceChange {
  return changes.length ? { action: 'update', changes, destroysData: false } : NO_CHANGE;
}

export const NO_CHANGE: ResourceChange = { action: 'no-op', changes: [], destroysData: false };
export const CREATE: ResourceChange = { action: 'create', changes: [], destroysData: false };
