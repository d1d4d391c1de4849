import type { PveParams } from '../../pve/client.ts';
import { parsePropertyString } from '../proxmox/property-string.ts';
import {
  canonicalTags,
  changesForcingReplacement,
  desiredQemuConfig,
  diffQemuConfig,
  type QemuConfig,
} from '../proxmox/vm-config.ts';
import type { DesiredResource, Ownership, ResourceHandler } from './handler.ts';
import {
  applyDiskRemovals,
  DISK_DELETED,
  refuseRetained,
  removedDiskChanges,
  retainedDisks,
} from './vm-disk-lifecycle.ts';

type Props = Record<string, unknown>;
const obj = (v: unknown): Props =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Props) : {};
const DISK = /^(scsi|virtio|sata|ide)\d+$/;

/** Ownership tags: what a stack created carries them, so lost state can be adopted and destroy stays within its own. */
export function ownershipTags(stack: string): string[] {
  return ['pvecdk', `pvecdk-${stack.toLowerCase()}`];
}

/** The description a clone carries until it is configured: marks a VM this stack began to create. */
export function creationMarker(stack: string, path: string): string {
  return `pvecdk: being created by stack ${stack} (${path})`;
}

/** Whose a VM is, from its tags (or, before it was tagged, its creation marker). */
export function vmOwnership(stack: string, path: string, live: Record<string, unknown>): Ownership {
  const tags = canonicalTags(String(live.tags ?? ''))
    .split(';')
    .filter(Boolean);
  if (ownershipTags(stack).every((t) => tags.includes(t))) return { kind: 'mine' };
  const other = tags.find((t) => t.startsWith('pvecdk-'));
  if (other) return { kind: 'other', stack: other.slice('pvecdk-'.length) };
  if (String(live.description ?? '').trim() === creationMarker(stack, path)) return { kind: 'unfinished' };
  return { kind: 'foreign' };
}

function desiredConfig(resource: DesiredResource, stack: string): QemuConfig {
  const props = resource.properties;
  const tags = [...new Set([...((props.tags as string[] | undefined) ?? []), ...ownershipTags(stack)])];
  return desiredQemuConfig({ ...props, tags });
}

function macs(config: Record<string, unknown>): string[] {
  return Object.keys(config)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((k) => parsePropertyString(String(config[k]), { nicModels: true }).get('macaddr') ?? '');
}

/**
 * `proxmox_virtual_environment_vm`: created by a full clone of the template,
 * then configured (only the keys the plan declares), disks grown, and started;
 * updated in place when Proxmox can, replaced when it cannot (another node,
 * a shrinking disk, another storage).
 */
export const vmHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_vm',

  locks(resource, change) {
    const clone = obj(resource.properties.clone);
    const copies = change === undefined || change.action === 'create' || change.action === 'replace';
    return [
      `node:${String(resource.properties.node_name)}`,
      ...(clone.vm_id !== undefined && copies ? [`template:${String(clone.vm_id)}`] : []),
      // A full clone holds the target storage's lock for the whole copy.
      ...(clone.vm_id !== undefined && copies && clone.full !== false
        ? [`storage:${String(clone.datastore_id ?? 'local-lvm')}`]
        : []),
    ];
  },

  async read(ctx, resource) {
    const vmid = Number(resource.properties.vm_id);
    const entry = ctx.inventory.find(
      (r): r is Extract<typeof r, { type: 'qemu' | 'lxc' }> =>
        (r.type === 'qemu' || r.type === 'lxc') && Number(r.vmid) === vmid,
    );
    if (!entry) return undefined;
    // A container holds the id: not ours, and cloning over it would fail half-way.
    if (entry.type !== 'qemu')
      return { attributes: { vm_id: vmid, node_name: entry.node }, live: {}, ownership: { kind: 'foreign' } };
    const live = await ctx.api.qemuConfig(entry.node, vmid);
    return {
      attributes: { vm_id: vmid, node_name: entry.node, mac_addresses: macs(live) },
      live,
      ownership: vmOwnership(ctx.stack, resource.path, live),
    };
  },

  plan(resource, observed, previous) {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    // Ownership tags are the engine's business: compare only the plan's own tags.
    const own = (t: string) => t === 'pvecdk' || t.startsWith('pvecdk-');
    const planTags = ((resource.properties.tags as string[] | undefined) ?? []).filter(
      (t) => !own(t.toLowerCase()),
    );
    const desired = desiredQemuConfig({ ...resource.properties, tags: planTags });
    const liveTags = canonicalTags(observed.live.tags ?? '')
      .split(';')
      .filter((t) => !own(t))
      .join(';');
    const changes = diffQemuConfig(desired, { ...observed.live, tags: liveTags }).map((c) => ({
      ...c,
      forcesReplacement: false,
    }));
    const forced = new Set(changesForcingReplacement(changes).map((c) => c.key));
    const moved =
      observed.attributes.node_name !== resource.properties.node_name && resource.properties.migrate !== true;
    const all = [
      ...changes.map((c) => ({ ...c, forcesReplacement: forced.has(c.key) })),
      ...(moved
        ? [
            {
              key: 'node_name',
              from: observed.attributes.node_name,
              to: resource.properties.node_name,
              forcesReplacement: true,
            },
          ]
        : []),
    ];
    const removedDisks = removedDiskChanges(resource.path, resource.properties, previous, observed.live);
    all.push(...removedDisks);
    // A clone left untagged by a killed deploy is finished by an update, even if its config already matches.
    if (observed.ownership?.kind === 'unfinished')
      all.push({
        key: 'tags',
        from: observed.live.tags ?? null,
        to: 'pvecdk ownership tags',
        forcesReplacement: false,
      });
    if (all.length === 0) return { action: 'no-op', changes: [], destroysData: false };
    const replace = all.some((c) => c.forcesReplacement);
    if (replace)
      refuseRetained(
        resource.path,
        [
          ...new Set([
            ...retainedDisks(resource.properties, observed.live),
            ...retainedDisks(previous, observed.live),
          ]),
        ],
        'replacing the VM',
      );
    return {
      action: replace ? 'replace' : 'update',
      changes: all,
      destroysData: replace || removedDisks.some((c) => c.to === DISK_DELETED),
    };
  },

  async apply(ctx, resource, change, observed) {
    const props = resource.properties;
    const node = String(props.node_name);
    const vmid = Number(props.vm_id);
    if (change.action === 'replace' && observed) await this.delete(ctx, observed.attributes);
    const desired = desiredConfig(resource, ctx.stack);
    if (change.action === 'create' || change.action === 'replace') {
      const clone = obj(props.clone);
      if (clone.vm_id === undefined)
        throw new Error(
          `${resource.path}: a VM without clone is not supported yet; clone it from a template`,
        );
      const source = ctx.inventory.find((r) => r.type === 'qemu' && Number(r.vmid) === Number(clone.vm_id));
      const sourceNode = String(clone.node_name ?? (source && 'node' in source ? source.node : node));
      await ctx.api.cloneQemu(sourceNode, Number(clone.vm_id), {
        newid: vmid,
        full: clone.full !== false,
        ...(sourceNode !== node ? { target: node } : {}),
        ...(clone.full !== false && clone.datastore_id ? { storage: String(clone.datastore_id) } : {}),
        ...(props.name !== undefined ? { name: String(props.name) } : {}),
        // Until tags are set, this marks the clone as ours: a deploy killed here adopts it next time.
        description: creationMarker(ctx.stack, resource.path),
        ...(typeof props.pool_id === 'string' ? { pool: props.pool_id } : {}),
      });
    }
    const live = await ctx.api.qemuConfig(node, vmid);
    // Disks that already exist (from the template) grow with resize; new ones are allocated by config.
    const update: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(desired)) {
      if (DISK.test(key) && live[key] !== undefined && !String(value).endsWith(':cloudinit')) {
        const want = Number(/^[^:]+:(\d+)/.exec(String(value))?.[1] ?? 0);
        const have = Number(/size=(\d+)G/.exec(String(live[key]))?.[1] ?? 0);
        if (want > have) await ctx.api.resizeQemuDisk(node, vmid, key, `${want}G`);
        continue;
      }
      update[key] = value;
    }
    const changed = diffQemuConfig(update, live).map((c) => c.key);
    const marked =
      update.description === undefined &&
      String(live.description ?? '').trim() === creationMarker(ctx.stack, resource.path);
    if (changed.length || marked) {
      const params: PveParams = Object.fromEntries(changed.map((k) => [k, update[k]!]));
      await ctx.api.updateQemuConfig(node, vmid, {
        ...params,
        ...(marked ? { delete: 'description' } : {}),
        digest: String(live.digest),
      });
    }
    if (change.action === 'update') await applyDiskRemovals(ctx, node, vmid, change.changes);
    const status = await ctx.api.qemuStatus(node, vmid);
    if (props.started !== false && props.template !== true && status.status !== 'running')
      await ctx.api.qemuPower(node, vmid, 'start');
    const final = await ctx.api.qemuConfig(node, vmid);
    return { vm_id: vmid, node_name: node, mac_addresses: macs(final) };
  },

  async delete(ctx, attributes) {
    const node = String(attributes.node_name);
    const vmid = Number(attributes.vm_id);
    const status = await ctx.api.qemuStatus(node, vmid);
    if (status.status === 'running') await ctx.api.qemuPower(node, vmid, 'stop');
    await ctx.api.destroyQemu(node, vmid);
  },
};
