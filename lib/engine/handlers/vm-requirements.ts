import type { z } from 'zod';
import type { vmType } from '../../contract/types/vm.ts';
import type { PveApi } from '../../pve/api/pve-api.ts';
import type { Requirement } from '../preflight/endpoint-permissions.ts';
import {
  bridgeRequirements,
  qemuConfigRequirements,
  storageOfDrive,
} from '../preflight/qemu-config-privileges.ts';
import { DRIVE_KEY, desiredQemuConfig, type VmProps } from '../proxmox/vm-config.ts';
import type { EndpointCall, KnownProperties, PreflightResource } from './handler.ts';
import { ownershipTags } from './vm-ownership.ts';

/** VM properties as far as they are known before a deploy. */
export type KnownVm = KnownProperties<z.output<typeof vmType.plan>>;

/** What the preflight read of a clone template: the clone checks its disks' storages and its NICs' bridges. */
export interface TemplateFacts {
  readonly storages: readonly string[];
  /** `net0`… values, e.g. `virtio=BC:24:11:00:00:01,bridge=vmbr0`. */
  readonly nets: readonly string[];
}

/** The templates of a preflight, by VM id. */
export type CloneTemplates = ReadonlyMap<number, TemplateFacts>;

const plain = (path: string, privilege: string): Requirement => ({ path, privilege, orElse: [] });
const text = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/** The storages and NICs of a template config (`GET …/qemu/{vmid}/config`). */
export function templateFacts(config: Readonly<Record<string, string | number>>): TemplateFacts {
  const storages = new Set<string>();
  const nets: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (/^net\d+$/.test(key)) nets.push(String(value));
    else if (DRIVE_KEY.test(key) && !/media=cdrom/.test(String(value))) {
      const storage = storageOfDrive(String(value));
      if (storage) storages.add(storage);
    }
  }
  return { storages: [...storages].sort(), nets };
}

/**
 * Reads the templates the VMs are cloned from, where the token may read them.
 * A template it cannot see is skipped: its missing VM.Audit is reported anyway.
 */
export async function readCloneTemplates(
  api: PveApi,
  resources: readonly PreflightResource<KnownVm>[],
): Promise<CloneTemplates> {
  const wanted = new Map<number, string | undefined>();
  for (const r of resources) {
    const vmid = Number(text(r.props.clone?.vm_id));
    if (Number.isInteger(vmid)) wanted.set(vmid, wanted.get(vmid) ?? text(r.props.clone?.node_name));
  }
  const facts = new Map<number, TemplateFacts>();
  if (!wanted.size) return facts;
  const inventory = await api.clusterResources('vm');
  await Promise.all(
    [...wanted].map(async ([vmid, node]) => {
      const entry = inventory.find((r) => r.type === 'qemu' && r.vmid === vmid);
      const at = node ?? (entry && 'node' in entry ? entry.node : undefined);
      if (!at) return;
      const config = await api.qemuConfig(at, vmid).catch(() => undefined);
      if (config) facts.set(vmid, templateFacts(config));
    }),
  );
  return facts;
}

/** Everything the lifecycle of one VM may need: read, clone or create, configure, power, migrate, replace, delete. */
export function vmRequirements(
  r: PreflightResource<KnownVm>,
  call: EndpointCall,
  templates: CloneTemplates | undefined,
): Requirement[] {
  const p = r.props;
  const vm = { node: text(p.node_name), vmid: text(p.vm_id) };
  const vmPath = vm.vmid ? `/vms/${vm.vmid}` : '/vms';
  const tags = [...(p.tags ?? []), ...ownershipTags(r.stack)];
  // Values only known after apply are undefined here: the config they would set needs what the rest needs.
  const config = desiredQemuConfig(p as VmProps, tags);
  const needs = [
    // The engine finds VMs in /cluster/resources, which lists a VM only to holders of VM.Audit on it.
    plain(vmPath, 'VM.Audit'),
    ...call('GET', '/nodes/{node}/qemu/{vmid}/config', vm),
    ...call('GET', '/nodes/{node}/qemu/{vmid}/status/current', vm),
    ...call('GET', '/nodes/{node}/qemu/{vmid}/pending', vm),
    ...call('POST', '/nodes/{node}/qemu/{vmid}/config', vm),
    ...qemuConfigRequirements(vmPath, config),
    // A replacement (another node, a shrinking disk) stops or shuts down, then destroys the old VM first.
    ...call('POST', `/nodes/{node}/qemu/{vmid}/status/${p.stop_on_destroy ? 'stop' : 'shutdown'}`, vm),
    ...call('DELETE', '/nodes/{node}/qemu/{vmid}', vm),
  ];
  if (p.initialization?.user_account?.password !== undefined)
    needs.push(...qemuConfigRequirements(vmPath, { cipassword: 'x' }));
  if (p.started !== false && p.template !== true)
    needs.push(...call('POST', '/nodes/{node}/qemu/{vmid}/status/start', vm));
  if (p.started === false) needs.push(...call('POST', '/nodes/{node}/qemu/{vmid}/status/shutdown', vm));
  if (p.reboot || p.reboot_after_update)
    needs.push(...call('POST', '/nodes/{node}/qemu/{vmid}/status/reboot', vm));
  if (p.template) needs.push(...call('POST', '/nodes/{node}/qemu/{vmid}/template', vm));
  if (p.migrate) needs.push(...call('POST', '/nodes/{node}/qemu/{vmid}/migrate', vm));
  const pool = text(p.pool_id);
  if (pool) needs.push(...call('PUT', '/pools/{poolid}', { poolid: pool }));
  for (const disk of p.disk ?? []) {
    needs.push(...call('PUT', '/nodes/{node}/qemu/{vmid}/resize', vm));
    // Growing a disk needs space on its storage (Qemu.pm resize_vm).
    if (disk.datastore_id !== undefined)
      needs.push(plain(`/storage/${disk.datastore_id}`, 'Datastore.AllocateSpace'));
  }
  const clone = p.clone;
  const template = text(clone?.vm_id);
  if (clone && template !== undefined) {
    const full = clone.full !== false;
    const storage = full ? text(clone.datastore_id) : undefined;
    needs.push(
      // The engine looks the template's node up in the inventory.
      plain(`/vms/${template}`, 'VM.Audit'),
      ...call('POST', '/nodes/{node}/qemu/{vmid}/clone', {
        node: text(clone.node_name) ?? vm.node,
        vmid: template,
        newid: vm.vmid,
        pool,
        storage,
      }),
    );
    // Inside clone_vm: space on the target storage (else on each of the template's) and SDN.Use for its NICs.
    const facts = templates?.get(Number(template));
    for (const s of storage ? [storage] : (facts?.storages ?? []))
      needs.push(plain(`/storage/${s}`, 'Datastore.AllocateSpace'));
    for (const net of facts?.nets ?? []) needs.push(...bridgeRequirements(net));
  } else {
    needs.push(...call('POST', '/nodes/{node}/qemu', { node: vm.node, vmid: vm.vmid, pool }));
  }
  return needs;
}
