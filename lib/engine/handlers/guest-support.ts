import { isPlanReference } from '../../contract/plan-values.ts';
import { powerShellDialect, shDialect } from '../../ssh/dialects.ts';
import { describeGuestVm, guestAddressOf, type PlanGuestTarget } from '../guest/guest-address.ts';
import { GuestError } from '../guest/guest-errors.ts';
import type { GuestAddress, GuestSession } from '../guest/guest-transport.ts';
import type { Requirement } from '../preflight/endpoint-permissions.ts';
import type { EndpointCall, HandlerContext, SnapshotTarget } from './handler.ts';

/**
 * What every guest handler (`pvecdk_*`) shares: reaching the guest its
 * `target` names, the VM lock, the snapshot target and the privileges.
 */

/** Whether any field of the target still waits for a reference (a VM not deployed yet). */
export function targetUnresolved(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return true;
  return Object.values(target).some((v) => isPlanReference(v) || v === undefined);
}

/**
 * Whether the VM runs, as the deploy's inventory saw it: a guest of a VM that
 * is missing or stopped has nothing to read (its resources show as to be
 * made), and is not waited for while changes are computed.
 */
export function vmRunning(
  ctx: HandlerContext,
  target: Pick<PlanGuestTarget, 'vm_id' | 'node_name'>,
): boolean {
  return ctx.inventory.some(
    (r) => r.type === 'qemu' && Number(r.vmid) === target.vm_id && r.status === 'running',
  );
}

/** Whether the VM is there at all (in the inventory), running or not. */
export function vmExists(ctx: HandlerContext, target: Pick<PlanGuestTarget, 'vm_id'>): boolean {
  return ctx.inventory.some((r) => r.type === 'qemu' && Number(r.vmid) === target.vm_id);
}

/** A session to the resource's guest; refuses clearly when the run has no way into guests. */
export function guestSession(
  ctx: HandlerContext,
  path: string,
  target: PlanGuestTarget,
): Promise<GuestSession> {
  const address = guestAddressOf(target);
  if (!ctx.guests)
    throw new GuestError(
      'GUEST_NO_TRANSPORT',
      `${path}: reaching ${describeGuestVm(address)} needs a guest transport, and this run has none`,
      'run it through the pvecdk CLI (deploy, diff or destroy), which reaches guests over SSH or through the embedded emulator',
    );
  return ctx.guests.session(address, { path, ...(ctx.notify ? { onWait: ctx.notify } : {}) });
}

/** The dialect a guest's commands are written in: pfSense speaks sh. */
export function dialectOf(dialect: GuestAddress['dialect']) {
  return dialect === 'powershell' ? powerShellDialect : shDialect;
}

/** The lock two changes inside one VM share, so they (and their snapshots) never interleave. */
export const guestLocks = (target: { readonly vm_id: unknown }): string[] =>
  typeof target.vm_id === 'number' ? [`vm:${target.vm_id}`] : [];

/** The VM a critical change of the resource snapshots. */
export function guestSnapshotTarget(target: {
  readonly vm_id: unknown;
  readonly node_name: unknown;
}): SnapshotTarget | undefined {
  return typeof target.vm_id === 'number' && typeof target.node_name === 'string'
    ? { node: target.node_name, vmid: target.vm_id }
    : undefined;
}

/**
 * What a guest resource needs of the API: reading the VM's config (its
 * creation time, for host keys trusted on first use) and, for a critical
 * change, taking, rolling back and pruning snapshots.
 */
export function guestRequirements(
  target: { readonly vm_id?: unknown; readonly node_name?: unknown } | undefined,
  critical: boolean,
  call: EndpointCall,
): Requirement[] {
  const at = {
    node: typeof target?.node_name === 'string' ? target.node_name : undefined,
    vmid: typeof target?.vm_id === 'number' ? target.vm_id : undefined,
  };
  return [
    ...call('GET', '/nodes/{node}/qemu/{vmid}/config', at),
    ...(critical
      ? [
          ...call('POST', '/nodes/{node}/qemu/{vmid}/snapshot', at),
          ...call('POST', '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback', at),
          ...call('DELETE', '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}', at),
        ]
      : []),
  ];
}

type TargetFields = { readonly vm_id: unknown; readonly node_name: unknown };

/**
 * The hooks every guest handler declares alike, spread into its definition:
 * it reaches guests, locks and snapshots the VM its `target` names, and
 * needs that VM's privileges.
 */
export const GUEST_TARGET_HOOKS = {
  reachesGuests: true,
  locks: (resource: { readonly props: { readonly target: TargetFields } }) =>
    guestLocks(resource.props.target),
  snapshotTarget: (resource: { readonly props: { readonly target: TargetFields } }) =>
    guestSnapshotTarget(resource.props.target),
  requirements: (
    resource: { readonly props: { readonly target?: Partial<TargetFields> }; readonly critical: boolean },
    call: EndpointCall,
  ) => guestRequirements(resource.props.target, resource.critical, call),
} as const;

/**
 * A Windows path as Win32-OpenSSH's SFTP server names it (`C:\dir\f` →
 * `/C:/dir/f`); POSIX paths stay as they are.
 */
export function sftpPath(path: string): string {
  return /^[A-Za-z]:\\/.test(path) ? `/${path.replaceAll('\\', '/')}` : path;
}
