import { PLAN_VERSION, type Plan } from '../contract/plan.ts';
import { dependencyOrder } from '../core/private/dag.ts';
import type { PveApi } from '../pve/api/pve-api.ts';
import type { ClusterResource } from '../pve/api/schemas.ts';
import { historyEntryOf } from './backends/history.ts';
import { LocalBackend } from './backends/local-backend.ts';
import type { BackendLock, StateBackend } from './backends/state-backend.ts';
import type { CriticalStep, CriticalStepDetail } from './critical-change.ts';
import type { LockHolder, LockMode } from './deploy-lock.ts';
import type { DeployReport, ResourceReport } from './deploy-report.ts';
import { reverseGraph, type WalkEvent, type WalkNode, walk } from './graph-walker.ts';
import type { GuestTransport } from './guest/guest-transport.ts';
import type { HandlerContext, ReadCache } from './handlers/handler.ts';
import { deploymentOrder, type LoadedAssembly } from './plan-loader.ts';
import { describeMissing } from './preflight/check-permissions.ts';
import { assertPermissions, preflightPermissions } from './preflight/preflight.ts';
import { checkReplaceRequests } from './replace-request.ts';
import { resolvePlannedSecrets } from './secret-preflight.ts';
import { checkStackClaim } from './stack-claim.ts';
import {
  type ComputedStack,
  computeStack,
  deployStack,
  refuseDataLoss,
  type StackOutcome,
  stackWrites,
} from './stack-deploy.ts';
import { recordStackUses } from './stack-uses.ts';
import type { StackOrigin, StateStore } from './state-store.ts';
import { isStorageLockTimeout } from './transient.ts';
import { type AdaptiveLimits, WalkLimiter } from './walk-limiter.ts';

export type { DeployReport, ResourceReport } from './deploy-report.ts';

export interface DeployOptions {
  readonly assembly: LoadedAssembly;
  /**
   * Stacks to deploy; the stacks they depend on deploy first. With `mode:
   * 'destroy'`, only these, each after the targets that depend on it.
   */
  readonly targets: readonly string[];
  /**
   * `destroy` deploys an empty plan for each target: everything its state
   * holds is deleted, dependants first, with the same lock, refusals,
   * limits, retries and report as a deploy.
   * @default 'deploy'
   */
  readonly mode?: 'deploy' | 'destroy';
  readonly api: PveApi;
  readonly stateDir: string;
  /**
   * Where the stacks' state, locks and history are kept; by default the
   * local files under `stateDir`. The caller closes it.
   */
  readonly backend?: StateBackend;
  readonly remote: string;
  readonly concurrency: number;
  /** Resolves secret references and keeps what Proxmox shows once (new token secrets). */
  readonly secrets?: HandlerContext['secrets'];
  /**
   * The way into guests for the `pvecdk_*` resources, chosen by the CLI for
   * the remote (SSH to the plan's addresses, or the emulator's endpoints).
   * Without it guest resources cannot be read or changed and say so.
   */
  readonly guests?: GuestTransport;
  /** The API token, named in a permission error. */
  readonly tokenId?: string;
  /** Compute changes only: read and compare, write nothing. */
  readonly dryRun?: boolean;
  readonly allowDestroyData?: boolean;
  /**
   * Where each stack is declared (its stack file and its App's file,
   * project-relative): recorded in state on the first deploy; a different
   * file claiming a recorded stack is refused (ENGINE_STACK_CLAIMED).
   */
  readonly origins?: ReadonlyMap<string, StackOrigin>;
  /**
   * Paths of resources to replace even though they could be updated in place,
   * or must be replaced to make a change Proxmox cannot make (a disk that
   * shrinks): `--replace <path>`. Each must be a VM or file of the deployed stacks.
   */
  readonly replace?: readonly string[];
  /** Move the stacks to the files now declaring them (`--takeover`). */
  readonly takeover?: boolean;
  /** Break a lock left by a deploy that died elsewhere. */
  readonly forceUnlock?: boolean;
  /**
   * Wait this long for a stack's lock held by another deploy, calling
   * `onWait` when the wait starts and whenever the holders change; without
   * it a held lock refuses the run at once (ENGINE_LOCKED).
   */
  readonly lockWait?: {
    readonly timeoutMs: number;
    readonly onWait?: (stack: string, mode: LockMode, holders: readonly LockHolder[]) => void;
  };
  /** Called once a stack's changes are known, before its first write: every resource with its action. */
  readonly onChanges?: (stack: string, resources: readonly ResourceReport[]) => void | Promise<void>;
  readonly onEvent?: (stack: string, event: WalkEvent, resource: ResourceReport | undefined) => void;
  /** Things the operator should know that do not stop the deploy (a stale lock taken over). */
  readonly onWarning?: (message: string) => void;
  /**
   * What guest resources wait for or decide on their own (a guest still
   * booting, a host key trusted on first use, a command left in place);
   * without it, these go to `onWarning`.
   */
  readonly onGuestNotice?: (stack: string, message: string) => void;
  /** Steps of critical changes: snapshot, apply, verify, rollback, prune. */
  readonly onCriticalStep?: (stack: string, step: CriticalStep, detail: CriticalStepDetail) => void;
  /**
   * Stops the run gracefully (Ctrl-C): no new action or stack starts, what
   * runs finishes and is recorded, locks are released; the report says what
   * was cancelled.
   */
  readonly signal?: AbortSignal;
  /** Retries of whole actions after transient failures (locks, timeouts, 5xx); tests set it low. */
  readonly retry?: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
}

/**
 * Fixed keyed limits of the walk: a few changes per node, one network edit
 * per node at a time, one change inside a guest at a time. Templates have
 * none: Proxmox clones a template under a shared lock, any number at once.
 */
export const ENGINE_LIMITS: Readonly<Record<string, number>> = {
  // Changes inside one guest (critical ones snapshot and may roll back the VM) never interleave.
  'vm:*': 1,
  'node:*': 4,
  'network:*': 1,
};

/**
 * Full clones per target storage, learnt from the cluster: Proxmox holds a
 * storage's lock only while it allocates a volume and the copies share the
 * storage's bandwidth, so how many can run at once depends on the storage.
 * Start at 2, grow by one with each clone that succeeds, halve when one
 * fails on `can't lock file '...pve-storage-...' - got timeout` (the clone
 * is then retried).
 */
export const ENGINE_ADAPTIVE_LIMITS: AdaptiveLimits = {
  limits: { 'storage:*': { initial: 2, max: 16 } },
  isContention: isStorageLockTimeout,
};

/** A target's plan in destroy mode: nothing, so everything its state holds goes. */
function emptyPlan(plan: Plan): Plan {
  return {
    version: PLAN_VERSION,
    stack: plan.stack,
    remote: plan.remote,
    dependsOn: plan.dependsOn,
    resources: {},
    outputs: {},
  };
}

/** A stack that must stop the whole run: a refusal (lock, data loss, permission) is the run's answer. */
class RunStopped extends Error {
  constructor(readonly refusal: unknown) {
    super('stopped');
  }
}

/**
 * Deploys (or destroys) stacks. Stacks are walked like resources: each runs
 * once the stacks it depends on succeeded (destroy: once its dependants are
 * gone), up to `concurrency` at once, sharing one limiter so the remote sees
 * the same limits however many run; a failed stack stops only its
 * dependants. A refusal stops the whole run once the running stacks ended.
 */
export async function deployStacks(options: DeployOptions): Promise<DeployReport> {
  const destroy = options.mode === 'destroy';
  const order = destroy ? [...options.targets].sort() : deploymentOrder(options.assembly, options.targets);
  const planOf = (stack: string): Plan => {
    const plan = options.assembly.plans.get(stack)!;
    return destroy ? emptyPlan(plan) : plan;
  };
  const replace =
    options.replace?.length && !destroy
      ? checkReplaceRequests(options.replace, order.map(planOf))
      : undefined;
  const states = new Map<string, StateStore>();
  const backend = options.backend ?? new LocalBackend(options.stateDir);
  const openState = (stack: string) => backend.open(options.remote, stack);
  const dependsOn = (stack: string) =>
    options.assembly.plans.get(stack)!.dependsOn.filter((d) => order.includes(d));
  const limiter = new WalkLimiter(options.concurrency, ENGINE_LIMITS, ENGINE_ADAPTIVE_LIMITS);
  // Once, before the first write of any stack: what the whole run needs (what it creates, changes and deletes).
  let permissionCheck: Promise<void> | undefined;
  const checkPermissions = () => {
    permissionCheck ??= (async () => {
      const applied = (
        await Promise.all(
          order.map(async (s) =>
            Object.entries((await openState(s)).state.resources).map(([id, r]) => ({ stack: s, id, ...r })),
          ),
        )
      ).flat();
      const preflight = await preflightPermissions(options.api, order.map(planOf), applied);
      if (options.dryRun) {
        for (const line of describeMissing(preflight.missing))
          options.onWarning?.(`the API token lacks ${line.trim()}`);
      } else assertPermissions(preflight, options.tokenId);
    })();
    return permissionCheck;
  };
  // Changes are shown (and confirmed) one stack at a time, even when stacks run side by side.
  let shown: Promise<void> = Promise.resolve();
  const onChanges = (stack: string, resources: readonly ResourceReport[]) => {
    const next = shown.then(() => options.onChanges?.(stack, resources));
    shown = next.catch(() => undefined);
    return next;
  };
  // The inventory and bulk lists a stack read stay current while no stack writes: the next stack reuses them.
  let writes = 0;
  let shared: { inventory: readonly ClusterResource[]; reads: ReadCache; writes: number } | undefined;
  const stillShared = () => (shared && shared.writes === writes ? shared : undefined);
  const outcomes = new Map<string, StackOutcome>();

  // Before anything is written: every stack's changes as things are now, so a refusal (data loss, a
  // retained disk) stops the whole run before its first write, not after the stacks before it.
  const precomputed = new Map<string, { computed: ComputedStack; serial: number; writes: boolean }>();
  if (!options.dryRun) {
    const current = new Map(await Promise.all(order.map(async (s) => [s, await openState(s)] as const)));
    const claims = new Map(
      order.map((s) => [
        s,
        checkStackClaim(s, current.get(s)!, options.origins?.get(s), options.takeover === true),
      ]),
    );
    let inventory: readonly ClusterResource[] | undefined;
    let reads: ReadCache | undefined;
    for (const stack of order) {
      if (options.signal?.aborted) break;
      const computed = await computeStack(planOf(stack), current.get(stack)!, current, {
        api: options.api,
        inventory,
        reads,
        guests: options.guests,
        secrets: options.secrets,
        destroying: destroy,
        replace,
      });
      inventory = computed.inventory;
      reads = computed.reads;
      const state = current.get(stack)!;
      precomputed.set(stack, {
        computed,
        serial: state.state.serial,
        writes: claims.get(stack) !== undefined || stackWrites(state, computed),
      });
    }
    shared = inventory && reads ? { inventory, reads, writes: 0 } : undefined;
    // Every secret the changes need is read now: a missing one refuses the run, not its middle.
    resolvePlannedSecrets(
      new Map(
        [...precomputed].map(([stack, p]) => [stack, { plan: planOf(stack), changes: p.computed.changes }]),
      ),
      options.secrets,
    );
    const lossy = [...precomputed].flatMap(([stack, p]) =>
      [...p.computed.changes.reports.values()].filter((r) => r.destroysData).map((r) => ({ stack, r })),
    );
    if (lossy.length)
      refuseDataLoss(
        destroy
          ? [...new Set(lossy.map((l) => l.stack))]
              .map(
                (stack) =>
                  `destroying ${stack} deletes its VMs and their disks (${lossy
                    .filter((l) => l.stack === stack)
                    .map((l) => l.r.path)
                    .join(', ')})`,
              )
              .join('; ')
          : `${lossy.map((l) => `${l.r.path} (${l.r.action})`).join(', ')} would destroy data`,
        options.allowDestroyData === true,
      );
  }

  // Stacks others in this run depend on: once deployed, they stay held shared until the run ends,
  // so what their dependants read from them is not changed by another deploy meanwhile.
  const dependedOn = new Set(destroy ? [] : order.flatMap((s) => dependsOn(s)));
  const kept = new Map<string, BackendLock>();
  // Stacks whose lock was waited for: another deploy had them meanwhile, so what was computed is old.
  const waited = new Set<string>();
  const commandOf = (stack: string) => `pvecdk ${destroy ? 'destroy' : 'deploy'} ${stack}`;
  const takeLock = async (stack: string, mode: LockMode): Promise<BackendLock> => {
    const wait = options.lockWait;
    const lock = await backend.acquireLock(options.remote, stack, commandOf(stack), {
      mode,
      force: options.forceUnlock,
      ...(wait
        ? {
            wait: {
              timeoutMs: wait.timeoutMs,
              onWait: (holders: readonly LockHolder[]) => {
                waited.add(stack);
                wait.onWait?.(stack, mode, holders);
              },
              signal: options.signal,
            },
          }
        : {}),
    });
    for (const holder of lock.removed)
      options.onWarning?.(
        `took over the lock of stack ${stack} from '${holder.command}' (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt})`,
      );
    return lock;
  };

  const runStack = async (stack: string): Promise<void> => {
    const pre = precomputed.get(stack);
    // A stack this run has nothing to write to is only read: a shared lock, which other readers
    // (deploys of other customers on the same platform) share.
    let lock: BackendLock | undefined;
    try {
      if (!options.dryRun) lock = await takeLock(stack, pre && !pre.writes ? 'shared' : 'exclusive');
    } catch (e) {
      // Ctrl-C while waiting for the lock: the stack did not start, like any stack after the stop.
      if (options.signal?.aborted) throw e;
      throw new RunStopped(e);
    }
    try {
      // Opened under the lock: what another deploy wrote before it released the lock counts.
      let state = await openState(stack);
      // Computed before the run began and nothing written since, by this run or another: still current.
      let current =
        pre && writes === 0 && !waited.has(stack) && pre.serial === state.state.serial
          ? pre.computed
          : undefined;
      if (lock?.mode === 'shared') {
        const claim = checkStackClaim(stack, state, options.origins?.get(stack), options.takeover === true);
        current ??= await computeStack(planOf(stack), state, states, {
          api: options.api,
          guests: options.guests,
          secrets: options.secrets,
          inventory: stillShared()?.inventory,
          reads: stillShared()?.reads,
          destroying: destroy,
          replace,
        });
        if (claim || stackWrites(state, current)) {
          // Changed since it was computed: never upgraded in place, so let go, take it whole, and read again.
          await lock.release();
          lock = undefined;
          lock = await takeLock(stack, 'exclusive');
          state = await openState(stack);
          current = undefined;
        }
      }
      states.set(stack, state);
      const claim = checkStackClaim(stack, state, options.origins?.get(stack), options.takeover === true);
      if (claim && state.state.origin && !options.dryRun)
        options.onWarning?.(
          `stack ${stack} moves from ${state.state.origin.file} to ${claim.file} (--takeover)`,
        );
      if (claim && !options.dryRun) await state.setOrigin(claim);
      const known = stillShared();
      const outcome = await deployStack(planOf(stack), state, states, {
        precomputed: current,
        ...(options.signal ? { signal: options.signal } : {}),
        api: options.api,
        ...(options.secrets ? { secrets: options.secrets } : {}),
        guests: options.guests,
        onNotice: (message) =>
          options.onGuestNotice ? options.onGuestNotice(stack, message) : options.onWarning?.(message),
        // Under a shared lock the changes were just found to write nothing: reading is all there is.
        dryRun: options.dryRun === true || lock?.mode === 'shared',
        destroying: destroy,
        replace,
        allowDestroyData: options.allowDestroyData === true,
        concurrency: options.concurrency,
        limiter,
        retry: options.retry ?? { attempts: 3, baseMs: 2000, maxMs: 15000 },
        knownInventory: known?.inventory,
        knownReads: known?.reads,
        checkPermissions,
        onChanges,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.onCriticalStep ? { onCriticalStep: options.onCriticalStep } : {}),
      });
      if (outcome.wrote) writes += 1;
      else if (!known) shared = { inventory: outcome.inventory, reads: outcome.reads, writes };
      if (outcome.wrote && !options.dryRun && lock?.mode === 'exclusive')
        await backend
          .appendHistory(
            historyEntryOf(
              planOf(stack),
              options.remote,
              state.state.serial,
              commandOf(stack),
              outcome.reports,
              outcome.ok,
            ),
          )
          .catch((e: Error) =>
            options.onWarning?.(`the history of stack ${stack} did not record this run: ${e.message}`),
          );
      outcomes.set(stack, outcome);
      if (!outcome.ok) throw new Error(`stack ${stack} did not deploy`);
      // What it now uses of other stacks, for their destroy and for `ls` (written only when it differs).
      if (lock?.mode === 'exclusive') await recordStackUses(state, planOf(stack), options.assembly.plans);
      if (lock && dependedOn.has(stack)) {
        kept.set(stack, await lock.downgrade());
        lock = undefined;
      }
    } catch (e) {
      if (outcomes.has(stack)) throw e;
      throw new RunStopped(e);
    } finally {
      await lock?.release();
    }
  };

  const graph: WalkNode<string>[] = order.map((stack) => ({
    id: stack,
    dependsOn: dependsOn(stack),
    payload: stack,
  }));
  const stop = new AbortController();
  // The operator's stop (Ctrl-C) stops the stack walk too.
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let refusal: unknown;
  const result = await walk(
    destroy ? reverseGraph(graph) : graph,
    async (n) => {
      try {
        await runStack(n.id);
      } catch (e) {
        if (e instanceof RunStopped) {
          refusal ??= e.refusal;
          stop.abort();
        }
        throw e;
      }
    },
    { concurrency: options.concurrency, signal: stop.signal },
  ).finally(async () => {
    for (const lock of kept.values()) await lock.release();
  });
  if (refusal !== undefined) throw refusal;
  for (const [stack, o] of result.outcomes)
    if (o.status === 'skipped')
      options.onWarning?.(
        `stack ${stack} was not ${destroy ? 'destroyed' : 'deployed'}: ${destroy ? 'a stack depending on it' : 'it depends on'} ${o.because}, which did not ${destroy ? 'go' : 'deploy'}`,
      );
  const ran = order.filter((s) => outcomes.has(s));
  const reportOrder = destroy ? [...ran].reverse() : ran;
  const interrupted = options.signal?.aborted === true;
  return {
    ...(interrupted ? { interrupted: true } : {}),
    stacks: destroy ? dependencyOrder(reverseGraph(graph)) : order,
    resources: reportOrder.flatMap((s) => outcomes.get(s)!.reports),
    ok: ran.length === order.length && ran.every((s) => outcomes.get(s)!.ok),
  };
}
