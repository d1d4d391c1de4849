import { vmType } from '../../contract/types/vm.ts';
import { EngineError } from '../engine-errors.ts';
import { formatPropertyString, parsePropertyString } from '../proxmox/property-string.ts';
import {
  cloudInitSlot,
  DISK_SLOT,
  desiredQemuConfig,
  diffQemuConfig,
  diskOptions,
  macAddresses,
  normaliseSize,
  type QemuConfig,
  type VmProps,
} from '../proxmox/vm-config.ts';
import {
  type AppliedResource,
  type DesiredResource,
  type HandlerContext,
  type Observed,
  type PropertyChange,
  proxmoxKeyOf,
  type ResourceChange,
} from './handler.ts';
import { applyDiskRemovals } from './vm-disk-lifecycle.ts';
import { DRIVE_MOVED, movedDriveChanges, refuseCloudInitMoveWhileRunning } from './vm-drive-moves.ts';
import { settleVmLock } from './vm-locks.ts';
import { creationMarker, ownershipTags } from './vm-ownership.ts';

/** How long a VM may take to shut down cleanly before it is stopped (seconds). */
const SHUTDOWN_TIMEOUT_S = 180;

type Vm = DesiredResource<VmProps>;

function tagsOf(props: VmProps, stack: string): string[] {
  return [...new Set([...(props.tags ?? []), ...ownershipTags(stack)])];
}

/** Resolves the cloud-init password reference; the value goes to Proxmox only, never to a change or an error. */
function cloudInitPassword(ctx: HandlerContext, vm: Vm): string | undefined {
  const ref = vm.props.initialization?.user_account?.password;
  if (!ref) return undefined;
  if (!ctx.secrets)
    throw new EngineError(
      'ENGINE_NO_SECRET_STORE',
      `${vm.path}: initialization.user_account.password is the secret ${ref.secret}, and this run has no secret store to read it from`,
      'deploy with the CLI, which opens the secret store',
    );
  return ctx.secrets.resolve(ref.secret);
}

/** Creates the VM: a clone of its template, or a new VM with the whole config when the plan has no clone. */
async function create(ctx: HandlerContext, vm: Vm, desired: QemuConfig): Promise<void> {
  const { node_name: node, vm_id: vmid, clone, pool_id: pool, name } = vm.props;
  if (!clone) {
    await ctx.api.createQemu(node, {
      vmid,
      ...desired,
      ...(pool ? { pool } : {}),
      // Until tags are set, this marks the VM as ours: a deploy killed here adopts it next time.
      description: creationMarker(ctx.stack, vm.path),
      tags: undefined,
    });
    return;
  }
  const source = ctx.inventory.find((r) => r.type === 'qemu' && r.vmid === clone.vm_id);
  const sourceNode = clone.node_name ?? (source && 'node' in source ? source.node : node);
  const full = clone.full !== false;
  await ctx.api.cloneQemu(sourceNode, clone.vm_id, {
    newid: vmid,
    full,
    ...(sourceNode !== node ? { target: node } : {}),
    ...(full && clone.datastore_id ? { storage: clone.datastore_id } : {}),
    ...(name !== undefined ? { name } : {}),
    description: creationMarker(ctx.stack, vm.path),
    ...(pool ? { pool } : {}),
  });
}

/**
 * The config update that brings `live` to `desired`: new disks are allocated
 * by the update, existing ones keep their volume (options re-stated with it)
 * and grow by resize, which is returned separately.
 */
function configUpdate(
  vm: Vm,
  desired: QemuConfig,
  live: Readonly<Record<string, unknown>>,
): { update: Record<string, string | number>; grow: Array<{ disk: string; size: number }> } {
  const update: Record<string, string | number> = {};
  const grow: Array<{ disk: string; size: number }> = [];
  const disks = new Map((vm.props.disk ?? []).map((d) => [d.interface, d]));
  for (const c of diffQemuConfig(desired, live)) {
    const disk = disks.get(c.key);
    const have = live[c.key];
    if (disk && DISK_SLOT.test(c.key) && have !== undefined) {
      const current = parsePropertyString(String(have), { defaultKey: 'file' });
      const size = Number(normaliseSize(current.get('size')) ?? 0);
      if ((disk.size ?? 8) > size) grow.push({ disk: c.key, size: disk.size ?? 8 });
      const options = diskOptions(disk);
      const same = [...options].every(([k, v]) => current.get(k) === v);
      const extra = [...current.keys()].some(
        (k) => !['file', 'size', ...options.keys()].includes(k) && isDiskOption(k),
      );
      if (!same || extra) {
        // Re-stating the volume with new options changes them in place.
        options.set('file', current.get('file') ?? '');
        if (current.has('size')) options.set('size', current.get('size')!);
        update[c.key] = formatPropertyString(options, { defaultKey: 'file' });
      }
      continue;
    }
    if (/^net\d+$/.test(c.key) && have !== undefined) {
      // A NIC the plan gives no MAC keeps the one Proxmox made: re-stated without it, it would get another.
      const nic = parsePropertyString(String(desired[c.key]), { nicModels: true });
      const mac = parsePropertyString(String(have), { nicModels: true }).get('macaddr');
      if (!nic.has('macaddr') && mac) nic.set('macaddr', mac);
      update[c.key] = formatPropertyString(nic, { nicModels: true });
      continue;
    }
    update[c.key] = desired[c.key]!;
  }
  return { update, grow };
}

/** Options of a disk the plan manages; others Proxmox writes itself (media, format of an existing volume). */
const isDiskOption = (k: string): boolean =>
  [
    'iothread',
    'ssd',
    'discard',
    'cache',
    'aio',
    'backup',
    'replicate',
    'serial',
    'iops_rd',
    'iops_rd_max',
    'iops_wr',
    'iops_wr_max',
    'mbps_rd',
    'mbps_rd_max',
    'mbps_wr',
    'mbps_wr_max',
  ].includes(k);

/**
 * The drives to delete from their old slots: the plan's CD-ROM moved since
 * the last deploy (known when the changes were computed), and any other
 * cloud-init drive than the plan's (read now: a new clone has the template's).
 */
function drivesToMove(
  planned: ResourceChange,
  props: VmProps,
  live: Readonly<Record<string, unknown>>,
): PropertyChange[] {
  const byKey = new Map<string, PropertyChange>();
  for (const c of [
    ...planned.changes.filter((x) => x.to === DRIVE_MOVED),
    ...movedDriveChanges(props, undefined, live),
  ])
    if (live[proxmoxKeyOf(c)] !== undefined) byKey.set(proxmoxKeyOf(c), c);
  return [...byKey.values()];
}

/**
 * Proxmox appends a CD-ROM drive added to a VM with a boot order to that
 * order: the plan's order is set again when it is not what the plan says.
 */
async function keepBootOrder(
  ctx: HandlerContext,
  node: string,
  vmid: number,
  desired: QemuConfig,
): Promise<void> {
  if (desired.boot === undefined) return;
  const now = await ctx.api.qemuConfig(node, vmid);
  if (diffQemuConfig({ boot: desired.boot }, now).length === 0) return;
  await ctx.api.updateQemuConfig(node, vmid, { boot: desired.boot, digest: String(now.digest) });
}

/** Moves the VM into its plan's pool, out of another one if it was elsewhere. */
async function joinPool(ctx: HandlerContext, vmid: number, pool: string): Promise<void> {
  const entry = (await ctx.api.clusterResources('vm')).find((r) => r.type === 'qemu' && r.vmid === vmid);
  const current = entry && 'pool' in entry ? entry.pool : undefined;
  if (current === pool) return;
  await ctx.api.pools.update(pool, { vms: [vmid], ...(current ? { 'allow-move': true } : {}) });
}

/** Brings the VM to its power state; `started: false` shuts it down cleanly (then stops it if it hangs). */
async function power(ctx: HandlerContext, vm: Vm): Promise<void> {
  const { node_name: node, vm_id: vmid, started, template } = vm.props;
  if (template) return;
  const { status } = await ctx.api.qemuStatus(node, vmid);
  if (started !== false && status !== 'running') await ctx.api.qemuPower(node, vmid, 'start');
  if (started === false && status === 'running')
    await ctx.api.qemuPower(node, vmid, 'shutdown', { timeout: SHUTDOWN_TIMEOUT_S, forceStop: true });
}

/** Creates, updates or replaces a VM; returns its attributes. */
export async function applyVm(
  ctx: HandlerContext,
  vm: Vm,
  planned: ResourceChange,
  observed: Observed | undefined,
): Promise<Record<string, unknown>> {
  const props = vm.props;
  const { vm_id: vmid } = props;
  let node = props.node_name;
  const created = planned.action === 'create' || planned.action === 'replace';
  // A clone still running (a deploy stopped while it copied) or another task's lock: waited for first.
  if (observed?.live.lock)
    await settleVmLock(ctx, {
      path: vm.path,
      node: String(observed.attributes.node_name),
      vmid,
      cloneSource: typeof props.clone?.vm_id === 'number' ? props.clone.vm_id : undefined,
    });
  if (planned.action === 'replace' && observed)
    await deleteVm(ctx, { ...vm, attributes: observed.attributes, properties: props });
  const desired = desiredQemuConfig(props, tagsOf(props, ctx.stack));
  if (created) await create(ctx, vm, desired);

  // Migrated before anything else changes, so the rest happens where the VM will live.
  const at = observed ? String(observed.attributes.node_name) : node;
  if (!created && at !== node) {
    const { status } = await ctx.api.qemuStatus(at, vmid);
    await ctx.api.migrateQemu(at, vmid, node, status === 'running');
  }
  node = props.node_name;

  const live = await ctx.api.qemuConfig(node, vmid);
  const moved = drivesToMove(planned, props, live);
  if (moved.length)
    refuseCloudInitMoveWhileRunning(
      vm.path,
      moved,
      cloudInitSlot(props),
      (await ctx.api.qemuStatus(node, vmid)).status === 'running',
    );
  const { update, grow } = configUpdate(vm, desired, live);
  for (const { disk, size } of grow) await ctx.api.resizeQemuDisk(node, vmid, disk, `${size}G`);
  const password = cloudInitPassword(ctx, vm);
  const setPassword = password !== undefined && (created || live.cipassword === undefined);
  const marked =
    desired.description === undefined &&
    String(live.description ?? '').trim() === creationMarker(ctx.stack, vm.path);
  // Proxmox deletes before it sets: a moved drive leaves its old slot first.
  const deleted = [...moved.map(proxmoxKeyOf), ...(marked ? ['description'] : [])];
  if (Object.keys(update).length || deleted.length || setPassword) {
    try {
      await ctx.api.updateQemuConfig(node, vmid, {
        ...update,
        ...(setPassword ? { cipassword: password } : {}),
        ...(deleted.length ? { delete: deleted.join(',') } : {}),
        digest: String(live.digest),
      });
    } catch (e) {
      // The password must not travel in an error message or a report.
      if (password && e instanceof Error && e.message.includes(password))
        e.message = e.message.split(password).join('(secret)');
      throw e;
    }
  }
  await keepBootOrder(ctx, node, vmid, desired);
  if (planned.action === 'update') await applyDiskRemovals(ctx, node, vmid, planned.changes);
  if (props.pool_id) await joinPool(ctx, vmid, props.pool_id);

  if (props.template && !(await ctx.api.qemuConfig(node, vmid)).template) {
    const { status } = await ctx.api.qemuStatus(node, vmid);
    if (status === 'running')
      await ctx.api.qemuPower(node, vmid, 'shutdown', { timeout: SHUTDOWN_TIMEOUT_S, forceStop: true });
    await ctx.api.convertToTemplate(node, vmid);
  }
  await power(ctx, vm);
  const running = !props.template && (await ctx.api.qemuStatus(node, vmid)).status === 'running';
  // Once after creation when asked; after an update only when it left changes a reboot must apply.
  const reboot = created
    ? props.reboot === true
    : props.reboot_after_update === true && (await ctx.api.qemuPendingKeys(node, vmid)).length > 0;
  if (running && reboot) await ctx.api.qemuPower(node, vmid, 'reboot');
  const final = await ctx.api.qemuConfig(node, vmid);
  return { vm_id: vmid, node_name: node, mac_addresses: macAddresses(final) };
}

/**
 * Deletes a VM as its plan said to: a running VM is shut down cleanly first
 * (stopped at once with `stop_on_destroy`), then destroyed with its backup
 * and HA entries (`purge_on_destroy`) and the disks its config does not list
 * (`delete_unreferenced_disks_on_destroy`).
 */
export async function deleteVm(
  ctx: HandlerContext,
  applied: Pick<AppliedResource, 'attributes' | 'properties'> & { readonly path?: string },
): Promise<void> {
  const node = String(applied.attributes.node_name);
  const vmid = Number(applied.attributes.vm_id);
  // State written by an older pvecdk may not match today's contract: its defaults apply then.
  const parsed = vmType.plan.safeParse(applied.properties);
  const props = parsed.success ? parsed.data : {};
  await settleVmLock(ctx, { path: String(applied.path ?? `VM ${vmid}`), node, vmid });
  const status = await ctx.api.qemuStatus(node, vmid);
  if (status.status === 'running') {
    if ('stop_on_destroy' in props && props.stop_on_destroy) await ctx.api.qemuPower(node, vmid, 'stop');
    else await ctx.api.qemuPower(node, vmid, 'shutdown', { timeout: SHUTDOWN_TIMEOUT_S, forceStop: true });
  }
  await ctx.api.destroyQemu(node, vmid, {
    purge: !('purge_on_destroy' in props) || props.purge_on_destroy !== false,
    'destroy-unreferenced-disks':
      !('delete_unreferenced_disks_on_destroy' in props) ||
      props.delete_unreferenced_disks_on_destroy !== false,
  });
}
