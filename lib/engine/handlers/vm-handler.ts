import { vmType } from '../../contract/types/vm.ts';
import { EngineError } from '../engine-errors.ts';
import { valueAtPath } from '../planned-properties.ts';
import {
  canonicalTags,
  changesForcingReplacement,
  desiredQemuConfig,
  diffQemuConfig,
  macAddresses,
  shrinkingDisks,
  type VmProps,
} from '../proxmox/vm-config.ts';
import { asPlanValue, type VmSlots, vmConfigKeyOf, vmPlanPathOf } from '../proxmox/vm-config-keys.ts';
import { defineHandler, type PropertyChange, propertyChange } from './handler.ts';
import { applyVm, deleteVm } from './vm-apply.ts';
import { DISK_DELETED, refuseRetained, removedDiskChanges, retainedDisks } from './vm-disk-lifecycle.ts';
import { movedDriveChanges } from './vm-drive-moves.ts';
import { isOwnershipTag, markedPathOf, ownershipTags, vmOwnership } from './vm-ownership.ts';
import { type CloneTemplates, readCloneTemplates, vmRequirements } from './vm-requirements.ts';

/** Shown for the cloud-init password: Proxmox never returns it, so only whether one is set can be compared. */
const PASSWORD_SET = '(set)';

/** A change of a plan property that is no config key (`node_name`, `pool_id`, `started`), with its API parameter if any. */
const change = (key: string, from: unknown, to: unknown, forcesReplacement = false): PropertyChange =>
  propertyChange(key, from, to, { api: vmConfigKeyOf(key, {}), forcesReplacement });

/**
 * `proxmox_virtual_environment_vm`: created by a clone of the template (or
 * from nothing when the plan has no clone), then configured (only the keys
 * the plan declares), disks grown, moved into its pool and started; updated
 * in place when Proxmox can, migrated when asked to, replaced when it cannot
 * (another node, a shrinking disk, another storage, another EFI or TPM type).
 */
export const vmHandler = defineHandler({
  contract: vmType,

  locks(resource, planned) {
    const { node_name: node, clone } = resource.props;
    const copies = planned === undefined || planned.action === 'create' || planned.action === 'replace';
    return [
      `node:${node}`,
      // A full clone allocates on and copies to the target storage: how many at once is learnt per storage.
      ...(clone && copies && clone.full !== false ? [`storage:${clone.datastore_id ?? 'local-lvm'}`] : []),
    ];
  },

  async read(ctx, resource) {
    const vmid = resource.props.vm_id;
    const entry = ctx.inventory.find(
      (r): r is Extract<typeof r, { type: 'qemu' | 'lxc' }> =>
        (r.type === 'qemu' || r.type === 'lxc') && r.vmid === vmid,
    );
    if (!entry) return undefined;
    // A container holds the id: not ours, and cloning over it would fail half-way.
    if (entry.type !== 'qemu')
      return { attributes: { vm_id: vmid, node_name: entry.node }, live: {}, ownership: { kind: 'foreign' } };
    const config = await ctx.api.qemuConfig(entry.node, vmid);
    return {
      attributes: { vm_id: vmid, node_name: entry.node, mac_addresses: macAddresses(config) },
      // Where the VM is, its power state and pool come from the inventory; the rest from its config.
      live: { ...config, '@status': entry.status, '@pool': entry.pool ?? '' },
      ownership: vmOwnership(ctx.stack, resource.path, config),
    };
  },

  diff(resource, observed, previous) {
    const props = resource.props;
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const live = observed.live;
    // Ownership tags are the engine's business: compare only the plan's own tags.
    const planTags = (props.tags ?? []).filter((t) => !isOwnershipTag(t.toLowerCase()));
    const liveTags = canonicalTags(String(live.tags ?? ''))
      .split(';')
      .filter((t) => t && !isOwnershipTag(t))
      .join(';');
    const configChanges = diffQemuConfig(desiredQemuConfig(props, planTags), { ...live, tags: liveTags });
    const forced = new Set(changesForcingReplacement(configChanges).map((c) => c.key));
    const shrinking = new Map(shrinkingDisks(configChanges).map((s) => [s.key, s]));
    // Config keys become the plan paths that set them, values shown as the plan writes them where it can.
    const changes = configChanges.map((c): PropertyChange => {
      const shrink = shrinking.get(c.key);
      const key = vmPlanPathOf(c.key, props, c.from, c.to);
      const planned = valueAtPath(props, key);
      return {
        ...propertyChange(key, asPlanValue(planned, c.from), asPlanValue(planned, c.to), {
          api: c.key,
          forcesReplacement: forced.has(c.key),
        }),
        ...(shrink
          ? {
              replaceOnlyWhenAsked: `disk ${c.key} cannot shrink from ${shrink.from} GiB to ${shrink.to} GiB: Proxmox only grows disks, and a new VM would start with empty disks`,
            }
          : {}),
      };
    });
    changes.push(...cloneChanges(props, previous));

    if (observed.attributes.node_name !== props.node_name)
      changes.push(
        change('node_name', observed.attributes.node_name, props.node_name, props.migrate !== true),
      );
    if (props.template === true && !live.template) changes.push(change('template', false, true));
    if (props.template === false && live.template) changes.push(change('template', true, false, true));
    const wantRunning = props.started !== false && props.template !== true;
    if (!live.template && (live['@status'] === 'running') !== wantRunning)
      changes.push(change('started', live['@status'] === 'running', wantRunning));
    if (props.pool_id !== undefined && live['@pool'] !== props.pool_id)
      changes.push(change('pool_id', live['@pool'] || null, props.pool_id));
    if (props.initialization?.user_account?.password !== undefined && live.cipassword === undefined)
      changes.push(
        propertyChange('initialization.user_account.password', null, PASSWORD_SET, { api: 'cipassword' }),
      );

    const removedDisks = removedDiskChanges(resource.path, props, previous, live);
    changes.push(...removedDisks, ...movedDriveChanges(props, previous, live));
    // A clone left untagged by a killed deploy is finished by an update, even if its config already matches.
    if (observed.ownership?.kind === 'unfinished')
      changes.push(change('tags', live.tags ?? null, 'pvecdk ownership tags'));
    if (changes.length === 0) return { action: 'no-op', changes: [], destroysData: false };
    const replace = changes.some((c) => c.forcesReplacement);
    if (replace)
      refuseRetained(
        resource.path,
        [...new Set([...retainedDisks(props, live), ...retainedDisks(previous, live)])],
        'replacing the VM',
      );
    return {
      action: replace ? 'replace' : 'update',
      changes,
      destroysData: replace || removedDisks.some((c) => c.to === DISK_DELETED),
    };
  },

  proxmoxKey: (path, props) => vmConfigKeyOf(path, props as VmSlots),

  apply: applyVm,
  delete: deleteVm,
  replaceable: true,

  requirements(resource, call, facts) {
    return vmRequirements(resource, call, facts?.templates as CloneTemplates | undefined);
  },
  async readPreflightFacts(api, resources) {
    return { templates: await readCloneTemplates(api, resources) };
  },
  inheritedPaths(props) {
    // Proxmox applies a pool's ACLs to its member VMs (and accepts VM.Allocate on the pool for a clone into it).
    return props.pool_id && props.vm_id !== undefined
      ? [[`/vms/${props.vm_id}`, `/pool/${props.pool_id}`]]
      : [];
  },

  deletionDestroysData: () => true,
  checkDeletion(applied, why) {
    const parsed = vmType.plan.safeParse(applied.properties);
    refuseRetained(applied.path, retainedDisks(parsed.success ? parsed.data : undefined, undefined), why);
  },
  async ownedForDeletion(ctx, applied) {
    const vmid = Number(applied.attributes.vm_id);
    const vm = ctx.inventory.find(
      (x): x is Extract<typeof x, { type: 'qemu' | 'lxc' }> => x.type === 'qemu' && x.vmid === vmid,
    );
    if (!vm) return 'gone';
    const tags = String(vm.tags ?? '').split(/[;, ]/);
    // A clone a killed deploy of this stack began carries its creation mark instead of tags.
    const marked = async () =>
      markedPathOf(ctx.stack, (await ctx.api.qemuConfig(vm.node, vmid)).description) !== undefined;
    if (!ownershipTags(ctx.stack).every((t) => tags.includes(t)) && !(await marked()))
      throw new EngineError(
        'ENGINE_NOT_OWNED',
        `${applied.path}: VM ${vmid} on ${vm.node} is not tagged as owned by stack ${ctx.stack} (tags: ${tags.filter(Boolean).join(';') || 'none'}); refusing to delete it`,
        `if it is yours, add the tags ${ownershipTags(ctx.stack).join(';')} to it and run again; otherwise it was never this stack's`,
      );
    return 'owned';
  },

  liveIdOf: (properties) => (typeof properties.vm_id === 'number' ? String(properties.vm_id) : undefined),

  async findOrphans(ctx, recorded, known) {
    const pools = new Map(
      recorded
        .filter((r) => r.type === 'proxmox_virtual_environment_pool')
        .map((r) => [String(r.attributes.pool_id), r.id]),
    );
    const orphans = [];
    for (const entry of ctx.inventory) {
      if (entry.type !== 'qemu' || known.has(String(entry.vmid)) || entry.template) continue;
      const tags = String(entry.tags ?? '').split(/[;, ]/);
      let path: string | undefined;
      if (ownershipTags(ctx.stack).every((t) => tags.includes(t))) path = `VM ${entry.vmid}`;
      // Untagged: only a clone begun in one of this stack's pools can be its unfinished work.
      else if (entry.pool && pools.has(entry.pool)) {
        const marked = markedPathOf(
          ctx.stack,
          (await ctx.api.qemuConfig(entry.node, entry.vmid)).description,
        );
        if (marked) path = `${marked} (unfinished VM ${entry.vmid})`;
      }
      if (path === undefined) continue;
      orphans.push({
        id: `orphan:vm-${entry.vmid}`,
        type: vmType.type,
        path,
        attributes: { vm_id: entry.vmid, node_name: entry.node },
        properties: {},
        dependsOn: entry.pool && pools.has(entry.pool) ? [pools.get(entry.pool)!] : [],
      });
    }
    return orphans;
  },
});

/**
 * What the VM was made from, as state recorded it, against what the plan
 * says now: another template (a server's `os` changed), node, storage or
 * linked/full copy means another VM, so each forces a replacement. Without
 * a recorded plan (a lost state) nothing is known to differ.
 */
type CloneOf = { readonly clone?: Readonly<Record<string, unknown>> | undefined };

function cloneChanges(props: CloneOf, previous: CloneOf | undefined): PropertyChange[] {
  if (!previous) return [];
  const was = previous.clone;
  const now = props.clone;
  if (!was && !now) return [];
  if (!was || !now) return [change('clone', was ?? null, now ?? null, true)];
  // A recorded reference (to a template another resource makes) cannot be compared with the value it
  // resolves to now, so it is not: only literal sources are.
  const literal = (v: unknown) => v === undefined || v === null || typeof v !== 'object';
  return ['vm_id', 'node_name', 'datastore_id', 'full']
    .filter((k) => literal(was[k]) && (was[k] ?? null) !== (now[k] ?? null))
    .map((k) => change(`clone.${k}`, was[k] ?? null, now[k] ?? null, true));
}

export type { VmProps };
