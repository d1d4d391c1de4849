import type { Plan } from '../../contract/plan.ts';
import type { PveMajor } from '../../pve/privileges.ts';
import { desiredQemuConfig } from '../proxmox/vm-config.ts';
import type { TemplateFacts } from './clone-templates.ts';
import {
  type CallParams,
  callRequirements,
  type PrivilegeOnPath,
  type Requirement,
} from './endpoint-permissions.ts';
import { knownValues, list, obj, type Props, text } from './known-values.ts';
import { bridgeRequirements, qemuConfigRequirements } from './qemu-config-privileges.ts';

/** A privilege a deploy needs on a path, and the plan resources (construct paths) that need it. */
export interface RequiredPrivilege extends Requirement {
  readonly neededFor: readonly string[];
}

export interface RequiredPrivilegesOptions {
  /** Templates by VM id; without them a clone without a target datastore needs nothing listed for the template's storage and NICs. */
  readonly templates?: ReadonlyMap<number, TemplateFacts>;
}

export interface RequiredPrivileges {
  readonly major: PveMajor;
  /** Deduplicated, sorted by path then privilege. */
  readonly privileges: readonly RequiredPrivilege[];
  /** Plan types whose API calls pvecdk does not know: what they need is not listed. */
  readonly unknownTypes: readonly string[];
}

type Call = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  template: string,
  params?: CallParams,
) => Requirement[];
/** A plan resource with the references that can be known before deploy resolved (others stay undefined). */
interface Known {
  readonly stack: string;
  readonly props: Props;
  readonly critical: boolean;
}

const plain = (path: string, privilege: string): Requirement => ({ path, privilege, orElse: [] });

function vmNeeds(r: Known, call: Call, options: RequiredPrivilegesOptions): Requirement[] {
  const p = r.props;
  const vm = { node: text(p.node_name), vmid: text(p.vm_id) };
  const vmPath = vm.vmid ? `/vms/${vm.vmid}` : '/vms';
  const tags = [...((p.tags as string[] | undefined) ?? []), 'pvecdk', `pvecdk-${r.stack.toLowerCase()}`];
  const needs = [
    // The engine finds VMs in /cluster/resources, which lists a VM only to holders of VM.Audit on it.
    plain(vmPath, 'VM.Audit'),
    ...call('GET', '/nodes/{node}/qemu/{vmid}/config', vm),
    ...call('GET', '/nodes/{node}/qemu/{vmid}/status/current', vm),
    ...call('POST', '/nodes/{node}/qemu/{vmid}/config', vm),
    ...qemuConfigRequirements(vmPath, desiredQemuConfig({ ...p, tags })),
    // A replacement (another node, a shrinking disk) stops and destroys the old VM first.
    ...call('POST', '/nodes/{node}/qemu/{vmid}/status/stop', vm),
    ...call('DELETE', '/nodes/{node}/qemu/{vmid}', vm),
  ];
  if (p.started !== false && p.template !== true)
    needs.push(...call('POST', '/nodes/{node}/qemu/{vmid}/status/start', vm));
  for (const disk of list(p.disk)) {
    needs.push(...call('PUT', '/nodes/{node}/qemu/{vmid}/resize', vm));
    // Growing a disk needs space on its storage (Qemu.pm resize_vm).
    if (disk.datastore_id !== undefined)
      needs.push(plain(`/storage/${String(disk.datastore_id)}`, 'Datastore.AllocateSpace'));
  }
  const clone = obj(p.clone);
  const template = text(clone.vm_id);
  if (template !== undefined) {
    const full = clone.full !== false;
    const storage = full ? text(clone.datastore_id) : undefined;
    const pool = text(p.pool_id);
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
    const facts = options.templates?.get(Number(template));
    for (const s of storage ? [storage] : (facts?.storages ?? []))
      needs.push(plain(`/storage/${s}`, 'Datastore.AllocateSpace'));
    for (const net of facts?.nets ?? []) needs.push(...bridgeRequirements(net));
  }
  return needs;
}

/** The firewall API base of a scope: a VM or container, a node (rules and options only), or the cluster. */
function firewallBase(p: Props, nodeLevel: boolean): { template: string; params: CallParams } {
  const node = text(p.node_name);
  if (p.vm_id !== undefined)
    return { template: '/nodes/{node}/qemu/{vmid}/firewall', params: { node, vmid: text(p.vm_id) } };
  if (p.container_id !== undefined)
    return { template: '/nodes/{node}/lxc/{vmid}/firewall', params: { node, vmid: text(p.container_id) } };
  if (nodeLevel && node) return { template: '/nodes/{node}/firewall', params: { node } };
  return { template: '/cluster/firewall', params: {} };
}

function fileNeeds(p: Props, call: Call): Requirement[] {
  const at = { node: text(p.node_name), storage: text(p.datastore_id) };
  const storagePath = at.storage ? `/storage/${at.storage}` : '/storage';
  const source = obj(p.source_file);
  const name = text(obj(p.source_raw).file_name) ?? text(source.file_name) ?? text(source.path) ?? '';
  // iso, vztmpl and import go through the upload API; snippets and backups go over SSH to the node.
  // Without a content type the file handler infers it from the name, as the provider does.
  const content = text(p.content_type);
  // `upload_mode` only concerns snippets and backups (the provider's reference): an ISO is always uploaded.
  const viaApi =
    content !== undefined
      ? content !== 'snippets' && content !== 'backup'
      : /\.(iso|img|tar\.(gz|xz|zst)|qcow2|raw|vmdk|ova)$/i.test(name);
  return [
    ...call('GET', '/nodes/{node}/storage/{storage}/content', at),
    ...(viaApi ? call('POST', '/nodes/{node}/storage/{storage}/upload', at) : []),
    // Replacing or deleting a volume: Datastore.Allocate on the storage (Storage content API, in code).
    plain(storagePath, 'Datastore.Allocate'),
  ];
}

/** Guest resources change a guest over SSH; a critical one snapshots its VM first and rolls back on failure. */
function guestNeeds(r: Known, call: Call): Requirement[] | undefined {
  const target = obj(r.props.target);
  if (target.vm_id === undefined && target.node_name === undefined) return undefined;
  if (!r.critical) return [];
  const vm = { node: text(target.node_name), vmid: text(target.vm_id) };
  return [
    ...call('GET', '/nodes/{node}/qemu/{vmid}/status/current', vm),
    ...call('GET', '/nodes/{node}/qemu/{vmid}/snapshot', vm),
    ...call('POST', '/nodes/{node}/qemu/{vmid}/snapshot', vm),
    ...call('POST', '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback', vm),
    ...call('DELETE', '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}', vm),
    ...call('POST', '/nodes/{node}/qemu/{vmid}/status/start', vm),
  ];
}

/** The API calls each plan type's handler makes (read, create, update, delete), as requirements. */
function resourceNeeds(
  type: string,
  r: Known,
  call: Call,
  options: RequiredPrivilegesOptions,
): Requirement[] | undefined {
  const p = r.props;
  switch (type) {
    case 'proxmox_virtual_environment_vm':
      return vmNeeds(r, call, options);
    case 'proxmox_virtual_environment_network_linux_bridge': {
      const at = { node: text(p.node_name), iface: text(p.name) };
      // Stage, apply (one reload per node) and, when the node stops answering, revert.
      return [
        ...call('POST', '/nodes/{node}/network', at),
        ...call('PUT', '/nodes/{node}/network/{iface}', at),
        ...call('DELETE', '/nodes/{node}/network/{iface}', at),
        ...call('PUT', '/nodes/{node}/network', at),
        ...call('DELETE', '/nodes/{node}/network', at),
      ];
    }
    case 'proxmox_virtual_environment_firewall_rules': {
      const { template, params } = firewallBase(p, true);
      return [
        ...call('GET', `${template}/rules`, params),
        ...call('POST', `${template}/rules`, params),
        ...call('DELETE', `${template}/rules/{pos}`, params),
      ];
    }
    case 'proxmox_virtual_environment_firewall_options': {
      const { template, params } = firewallBase(p, true);
      return [...call('GET', `${template}/options`, params), ...call('PUT', `${template}/options`, params)];
    }
    case 'proxmox_virtual_environment_firewall_alias': {
      const { template, params } = firewallBase(p, false);
      const at = { ...params, name: text(p.name) };
      return [
        ...call('GET', `${template}/aliases`, at),
        ...call('POST', `${template}/aliases`, at),
        ...call('PUT', `${template}/aliases/{name}`, at),
        ...call('DELETE', `${template}/aliases/{name}`, at),
      ];
    }
    case 'proxmox_virtual_environment_firewall_ipset': {
      const { template, params } = firewallBase(p, false);
      const at = { ...params, name: text(p.name) };
      return [
        ...call('GET', `${template}/ipset`, at),
        ...call('POST', `${template}/ipset`, at),
        ...call('POST', `${template}/ipset/{name}`, at),
        ...call('DELETE', `${template}/ipset/{name}/{cidr}`, at),
        ...call('DELETE', `${template}/ipset/{name}`, at),
      ];
    }
    case 'proxmox_virtual_environment_pool': {
      const at = { poolid: text(p.pool_id) };
      return [
        ...call('GET', '/pools/{poolid}', at),
        ...call('POST', '/pools', at),
        ...call('PUT', '/pools/{poolid}', at),
        ...call('DELETE', '/pools/{poolid}', at),
      ];
    }
    case 'proxmox_backup_job': {
      const pool = text(p.pool);
      return [
        ...call('GET', '/cluster/backup'),
        ...call('POST', '/cluster/backup'),
        ...call('PUT', '/cluster/backup/{id}', { id: text(p.id) }),
        ...call('DELETE', '/cluster/backup/{id}', { id: text(p.id) }),
        // pve-manager API2/Backup.pm: Datastore.Allocate on the target storage, VM.Backup on a backed-up pool.
        plain(p.storage !== undefined ? `/storage/${String(p.storage)}` : '/storage', 'Datastore.Allocate'),
        ...(pool ? [plain(`/pool/${pool}`, 'VM.Backup')] : []),
      ];
    }
    case 'proxmox_virtual_environment_haresource': {
      const at = { sid: text(p.resource_id) };
      return [
        ...call('GET', '/cluster/ha/resources'),
        ...call('POST', '/cluster/ha/resources'),
        ...call('PUT', '/cluster/ha/resources/{sid}', at),
        ...call('DELETE', '/cluster/ha/resources/{sid}', at),
      ];
    }
    case 'proxmox_virtual_environment_user': {
      const at = { userid: text(p.user_id), groups: (p.groups as string[] | undefined)?.join(',') };
      return [
        ...call('GET', '/access/users/{userid}', at),
        ...call('POST', '/access/users', at),
        ...call('PUT', '/access/users/{userid}', at),
        ...call('DELETE', '/access/users/{userid}', at),
        ...list(p.acl).flatMap((a) => call('PUT', '/access/acl', { path: text(a.path) })),
      ];
    }
    case 'proxmox_virtual_environment_user_token': {
      const at = { userid: text(p.user_id), tokenid: text(p.token_name) };
      return ['GET', 'POST', 'PUT', 'DELETE'].flatMap((m) =>
        call(m as 'GET', '/access/users/{userid}/token/{tokenid}', at),
      );
    }
    case 'proxmox_virtual_environment_acl':
      return call('PUT', '/access/acl', { path: text(p.path) });
    case 'proxmox_virtual_environment_role': {
      const at = { roleid: text(p.role_id) };
      return [
        ...call('POST', '/access/roles', at),
        ...call('PUT', '/access/roles/{roleid}', at),
        ...call('DELETE', '/access/roles/{roleid}', at),
      ];
    }
    case 'proxmox_virtual_environment_file':
      return fileNeeds(p, call);
    default:
      return type.startsWith('pvecdk_') ? guestNeeds(r, call) : undefined;
  }
}

const optionKey = (o: PrivilegeOnPath) => `${o.path} ${o.privilege}`;
const optionsOf = (r: Requirement) => new Set([r, ...r.orElse].map(optionKey));

/**
 * Merges duplicates and drops every requirement another one implies: when
 * each way to meet B also meets A (B's options are a subset of A's), only B
 * is kept, with A's resources. So "VM.Config.Cloudinit or VM.Config.Network"
 * disappears behind a plain VM.Config.Cloudinit on the same VM.
 */
function consolidate(
  all: ReadonlyArray<Requirement & { readonly neededFor: readonly string[] }>,
): RequiredPrivilege[] {
  const merged = new Map<
    string,
    { requirement: Requirement; options: Set<string>; neededFor: Set<string> }
  >();
  for (const r of all) {
    const options = optionsOf(r);
    const key = `${optionKey(r)}|${[...options].sort().join('|')}`;
    const found = merged.get(key) ?? { requirement: r, options, neededFor: new Set<string>() };
    for (const n of r.neededFor) found.neededFor.add(n);
    merged.set(key, found);
  }
  const kept: Array<{ requirement: Requirement; options: Set<string>; neededFor: Set<string> }> = [];
  for (const entry of [...merged.values()].sort((a, b) => a.options.size - b.options.size)) {
    const implier = kept.find((k) => [...k.options].every((o) => entry.options.has(o)));
    if (implier) for (const n of entry.neededFor) implier.neededFor.add(n);
    else kept.push(entry);
  }
  return kept
    .map(({ requirement: r, neededFor: n }) => ({
      path: r.path,
      privilege: r.privilege,
      orElse: r.orElse,
      neededFor: [...n].sort(),
    }))
    .sort((a, b) => (a.path === b.path ? a.privilege.localeCompare(b.privilege) : a.path < b.path ? -1 : 1));
}

/**
 * The privileges a deploy of `plans` may need on PVE `major`: for every
 * resource, what each API call its handler can make (read, create, update,
 * replace, delete) is checked for, from the schema's `permissions.check`
 * plus the checks Proxmox makes inside the handlers. Which calls actually
 * run depends on the live state, so this is what the whole lifecycle needs.
 */
export function requiredPrivileges(
  plans: readonly Plan[],
  major: PveMajor,
  options: RequiredPrivilegesOptions = {},
): RequiredPrivileges {
  const resolve = knownValues(plans);
  const call: Call = (method, template, params = {}) => callRequirements(method, template, params, major);
  const all: Array<Requirement & { neededFor: string[] }> = [];
  const unknown = new Set<string>();
  const pools = new Map<string, string>();
  for (const plan of plans) {
    for (const resource of Object.values(plan.resources)) {
      const known: Known = {
        stack: plan.stack,
        props: resolve(resource.properties, plan.stack) as Props,
        critical: resource.critical === true,
      };
      const needs = resourceNeeds(resource.type, known, call, options);
      if (!needs) unknown.add(resource.type);
      for (const n of needs ?? []) all.push({ ...n, neededFor: [resource.path] });
      const pool = text(known.props.pool_id);
      if (resource.type === 'proxmox_virtual_environment_vm' && pool && known.props.vm_id !== undefined)
        pools.set(`/vms/${String(known.props.vm_id)}`, `/pool/${pool}`);
    }
  }
  // Proxmox applies a pool's ACLs to its member VMs (and accepts VM.Allocate on the pool for a clone into it).
  const withPools = all.map((n) => {
    const extra = [n, ...n.orElse]
      .filter((o) => pools.has(o.path))
      .map((o) => ({ path: pools.get(o.path)!, privilege: o.privilege }))
      .filter((x) => ![n, ...n.orElse].some((o) => optionKey(o) === optionKey(x)));
    return extra.length ? { ...n, orElse: [...n.orElse, ...extra] } : n;
  });
  return {
    major,
    privileges: consolidate(withPools),
    unknownTypes: [...unknown].sort(),
  };
}
