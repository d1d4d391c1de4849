import type { Plan } from '../../contract/plan.ts';
import type { PveApi } from '../../pve/api/pve-api.ts';
import { knownValues, obj, text } from './known-values.ts';
import { storageOfDrive } from './qemu-config-privileges.ts';

/** What the engine read of a clone template: the clone checks its disks' storages and its NICs' bridges. */
export interface TemplateFacts {
  readonly storages: readonly string[];
  /** `net0`… values, e.g. `virtio=BC:24:11:00:00:01,bridge=vmbr0`. */
  readonly nets: readonly string[];
}

/** The templates VMs of `plans` are cloned from, with the node when the plan names it. */
export function cloneTemplates(plans: readonly Plan[]): Array<{ vmid: number; node: string | undefined }> {
  const resolve = knownValues(plans);
  const found = new Map<number, string | undefined>();
  for (const plan of plans)
    for (const resource of Object.values(plan.resources)) {
      if (resource.type !== 'proxmox_virtual_environment_vm') continue;
      const clone = obj(resolve(resource.properties.clone, plan.stack));
      const vmid = Number(text(clone.vm_id));
      if (Number.isInteger(vmid)) found.set(vmid, found.get(vmid) ?? text(clone.node_name));
    }
  return [...found].sort(([a], [b]) => a - b).map(([vmid, node]) => ({ vmid, node }));
}

/** The storages and NICs of a template config (`GET …/qemu/{vmid}/config`), for {@link TemplateFacts}. */
export function templateFacts(config: Readonly<Record<string, string | number>>): TemplateFacts {
  const storages = new Set<string>();
  const nets: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (/^net\d+$/.test(key)) nets.push(String(value));
    else if (
      /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/.test(key) &&
      !/media=cdrom/.test(String(value))
    ) {
      const storage = storageOfDrive(String(value));
      if (storage) storages.add(storage);
    }
  }
  return { storages: [...storages].sort(), nets };
}

/**
 * Reads the templates the plans clone from, where the token may read them.
 * A template it cannot see is skipped: its missing VM.Audit is reported anyway.
 */
export async function readTemplates(
  api: PveApi,
  plans: readonly Plan[],
): Promise<Map<number, TemplateFacts>> {
  const templates = cloneTemplates(plans);
  const facts = new Map<number, TemplateFacts>();
  if (!templates.length) return facts;
  const inventory = await api.clusterResources('vm');
  await Promise.all(
    templates.map(async ({ vmid, node }) => {
      const entry = inventory.find((r) => r.type === 'qemu' && r.vmid === vmid);
      const at = node ?? (entry && 'node' in entry ? entry.node : undefined);
      if (!at) return;
      const config = await api.qemuConfig(at, vmid).catch(() => undefined);
      if (config) facts.set(vmid, templateFacts(config));
    }),
  );
  return facts;
}
