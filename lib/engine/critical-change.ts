import { createHash } from 'node:crypto';
import { summarizeThrown } from '../core/error-family.ts';
import { EngineError } from './engine-errors.ts';
import type {
  DesiredResource,
  HandlerContext,
  Observed,
  ResourceChange,
  ResourceHandler,
  SnapshotTarget,
} from './handlers/handler.ts';

/** The steps of a critical change, in order; `rollback` only after a failure. */
export type CriticalStep = 'snapshot' | 'apply' | 'verify' | 'rollback' | 'prune';

export interface CriticalStepDetail {
  readonly outcome: 'started' | 'done' | 'failed' | 'skipped';
  /** The resource's construct path. */
  readonly path: string;
  readonly snapshot?: string;
  /** One line for a log or the CLI. */
  readonly message: string;
}

export interface CriticalChangeOptions {
  /** The plan marks the resource `critical`. */
  readonly critical?: boolean;
  /** pvecdk snapshots of this resource kept after a successful change (the plan's `snapshotRetention`). */
  readonly retention?: number;
  readonly onStep?: (step: CriticalStep, detail: CriticalStepDetail) => void;
  /** The clock snapshot names are made from; tests pin it. */
  readonly now?: () => Date;
}

/** Snapshots kept when the plan does not say; the guest resources default to the same. */
export const DEFAULT_SNAPSHOT_RETENTION = 5;

const SNAPSHOT_PREFIX = 'pvecdk-';

/**
 * A short tag that stays the same for one resource of one stack across
 * deploys, so its snapshots can be told apart from another resource's on the
 * same VM (a router holds both its config and its VPN users).
 */
export function snapshotTag(stack: string, resourceId: string): string {
  return createHash('sha256').update(`${stack}\0${resourceId}`).digest('hex').slice(0, 8);
}

/** `pvecdk-<tag>-YYYYMMDD-HHMMSS-mmm` in UTC: 35 characters, a valid Proxmox snapshot name, sorting by time. */
export function snapshotName(tag: string, at: Date): string {
  const iso = at.toISOString(); // 2026-08-01T12:00:00.123Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${iso.slice(20, 23)}`;
  return `${SNAPSHOT_PREFIX}${tag}-${stamp}`;
}

/** Whether a snapshot is one pvecdk took for the resource with this tag: nothing else is ever pruned. */
function isOwnSnapshot(name: string, tag: string): boolean {
  return new RegExp(`^${SNAPSHOT_PREFIX}${tag}-\\d{8}-\\d{6}-\\d{3}$`).test(name);
}

type Emit = (step: CriticalStep, detail: Omit<CriticalStepDetail, 'path'>) => void;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Applies one change of a resource. A critical one whose handler names a VM
 * is guarded: snapshot the VM, apply, verify, and on any failure roll the VM
 * back to the snapshot before reporting; after success, old pvecdk snapshots
 * of the resource beyond the retention are deleted. Anything else is applied
 * (and verified, when the handler can) as it is. Returns the attributes to
 * keep in state.
 */
export async function applyWithSafetySnapshot(
  ctx: HandlerContext,
  handler: ResourceHandler,
  resource: DesiredResource,
  change: ResourceChange,
  observed: Observed | undefined,
  options: CriticalChangeOptions = {},
): Promise<Record<string, unknown>> {
  const emit: Emit = (step, detail) => {
    try {
      options.onStep?.(step, { ...detail, path: resource.path });
    } catch {
      // A display callback must not change what happens to the VM.
    }
  };
  const target = options.critical ? handler.snapshotTarget?.(resource) : undefined;
  if (!target) {
    if (options.critical)
      emit('snapshot', {
        outcome: 'skipped',
        message: `the ${resource.type} handler names no VM to snapshot: applying without a safety snapshot`,
      });
    const attributes = await handler.apply(ctx, resource, change, observed);
    await handler.verify?.(ctx, resource, attributes);
    return attributes;
  }

  const snapshot = await takeSnapshot(ctx, resource, target, options.now ?? (() => new Date()), emit);

  let stage: 'apply' | 'verify' = 'apply';
  let attributes: Record<string, unknown>;
  try {
    emit('apply', { outcome: 'started', snapshot: snapshot.name, message: `applying ${change.action}` });
    attributes = await handler.apply(ctx, resource, change, observed);
    emit('apply', { outcome: 'done', snapshot: snapshot.name, message: `applied ${change.action}` });
    if (handler.verify) {
      stage = 'verify';
      emit('verify', { outcome: 'started', snapshot: snapshot.name, message: 'verifying the change' });
      await handler.verify(ctx, resource, attributes);
      emit('verify', { outcome: 'done', snapshot: snapshot.name, message: 'the change holds' });
    }
  } catch (failure) {
    emit(stage, { outcome: 'failed', snapshot: snapshot.name, message: reason(failure) });
    throw await rollBack(ctx, resource, target, snapshot, stage, failure, emit);
  }

  await prune(ctx, resource, target, snapshot.name, options.retention ?? DEFAULT_SNAPSHOT_RETENTION, emit);
  return attributes;
}

interface TakenSnapshot {
  readonly name: string;
  /** The VM ran when the snapshot was taken: a rollback stops it, so it is started again. */
  readonly wasRunning: boolean;
}

const vmLabel = (t: SnapshotTarget) => `VM ${t.vmid} on ${t.node}`;

/**
 * Disk and config only, no RAM (`vmstate`): quick and small, and what a guest
 * change touches; the price is that rolling back a running VM reboots it.
 */
async function takeSnapshot(
  ctx: HandlerContext,
  resource: DesiredResource,
  target: SnapshotTarget,
  now: () => Date,
  emit: Emit,
): Promise<TakenSnapshot> {
  const tag = snapshotTag(ctx.stack, resource.id);
  const at = now().getTime();
  let name = snapshotName(tag, new Date(at));
  emit('snapshot', { outcome: 'started', snapshot: name, message: `snapshotting ${vmLabel(target)}` });
  try {
    const status = await ctx.api.qemuStatus(target.node, target.vmid);
    const taken = new Set((await ctx.api.snapshots(target.node, target.vmid)).map((s) => s.name));
    // Two changes of one resource in the same millisecond would clash: step the clock on.
    for (let t = at; taken.has(name); ) name = snapshotName(tag, new Date(++t));
    await ctx.api.createSnapshot(
      target.node,
      target.vmid,
      name,
      `pvecdk: before a critical change of ${resource.path} (stack ${ctx.stack}, resource ${resource.id})`,
    );
    emit('snapshot', { outcome: 'done', snapshot: name, message: `snapshot ${name} of ${vmLabel(target)}` });
    return { name, wasRunning: status.status === 'running' };
  } catch (e) {
    emit('snapshot', { outcome: 'failed', snapshot: name, message: reason(e) });
    throw new EngineError(
      'ENGINE_CRITICAL_SNAPSHOT_FAILED',
      `${resource.path}: could not snapshot ${vmLabel(target)} before a critical change, so nothing was changed: ${reason(e)}`,
      'the VM must allow snapshots (storage that supports them, not a template, not locked by a backup or migration); fix that and deploy again',
    );
  }
}

/** Rolls back after a failed apply or verify; returns the error to throw, which says how that went. */
async function rollBack(
  ctx: HandlerContext,
  resource: DesiredResource,
  target: SnapshotTarget,
  snapshot: TakenSnapshot,
  stage: 'apply' | 'verify',
  failure: unknown,
  emit: Emit,
): Promise<EngineError> {
  const failed = `${resource.path}: the critical change failed to ${stage}: ${reason(failure)}`;
  emit('rollback', {
    outcome: 'started',
    snapshot: snapshot.name,
    message: `rolling back ${vmLabel(target)} to ${snapshot.name}`,
  });
  let rolledBack = false;
  try {
    await ctx.api.rollbackSnapshot(target.node, target.vmid, snapshot.name);
    rolledBack = true;
    if (snapshot.wasRunning) {
      const { status } = await ctx.api.qemuStatus(target.node, target.vmid);
      if (status !== 'running') await ctx.api.qemuPower(target.node, target.vmid, 'start');
    }
  } catch (e) {
    emit('rollback', { outcome: 'failed', snapshot: snapshot.name, message: reason(e) });
    const error = rolledBack
      ? new EngineError(
          'ENGINE_CRITICAL_ROLLBACK_FAILED',
          `${failed}; ${vmLabel(target)} was rolled back to snapshot ${snapshot.name}, but starting it again ALSO failed: ${reason(e)}. It is left stopped`,
          `start it by hand: \`qm start ${target.vmid}\` on ${target.node} (or the Proxmox UI); fix the cause and deploy again`,
        )
      : new EngineError(
          'ENGINE_CRITICAL_ROLLBACK_FAILED',
          `${failed}; the rollback to snapshot ${snapshot.name} ALSO failed: ${reason(e)}. ` +
            `${vmLabel(target)} may be left as the failed change left it; its state before the change is snapshot ${snapshot.name}`,
          `roll it back by hand: \`qm rollback ${target.vmid} ${snapshot.name}\` on ${target.node} ` +
            `(or the Proxmox UI: VM ${target.vmid}, Snapshots, ${snapshot.name}, Rollback)` +
            `${snapshot.wasRunning ? `, then \`qm start ${target.vmid}\`` : ''}; fix the cause and deploy again`,
        );
    error.cause = failure;
    return error;
  }
  emit('rollback', {
    outcome: 'done',
    snapshot: snapshot.name,
    message: `${vmLabel(target)} rolled back to ${snapshot.name}`,
  });
  // The failed step's own hint (an SSH or Proxmox error's) says how to fix the cause.
  const causeHint = summarizeThrown(failure).hint;
  return new EngineError(
    'ENGINE_CRITICAL_ROLLED_BACK',
    `${failed}; ${vmLabel(target)} was rolled back to snapshot ${snapshot.name}`,
    `fix the cause${causeHint ? ` (${causeHint})` : ''} and deploy again; the snapshot is kept until later successful changes prune it`,
    { cause: failure },
  );
}

/**
 * Deletes this resource's pvecdk snapshots beyond the newest `retention`
 * (the one just taken always stays). A failed delete is reported, not thrown:
 * the change itself held and must be recorded.
 */
async function prune(
  ctx: HandlerContext,
  resource: DesiredResource,
  target: SnapshotTarget,
  taken: string,
  retention: number,
  emit: Emit,
): Promise<void> {
  const tag = snapshotTag(ctx.stack, resource.id);
  try {
    const older = (await ctx.api.snapshots(target.node, target.vmid))
      .map((s) => s.name)
      .filter((name) => name !== taken && isOwnSnapshot(name, tag))
      .sort()
      .reverse();
    const surplus = older.slice(Math.max(retention - 1, 0));
    if (surplus.length === 0) return;
    emit('prune', {
      outcome: 'started',
      message: `deleting ${surplus.length} old snapshot(s) of ${vmLabel(target)}, keeping ${retention}`,
    });
    for (const name of surplus.reverse()) {
      await ctx.api.deleteSnapshot(target.node, target.vmid, name);
      emit('prune', { outcome: 'done', snapshot: name, message: `deleted old snapshot ${name}` });
    }
  } catch (e) {
    emit('prune', {
      outcome: 'failed',
      message: `could not delete old pvecdk snapshots of ${vmLabel(target)} (the change itself holds): ${reason(e)}`,
    });
  }
}
