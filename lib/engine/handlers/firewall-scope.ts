import type { FirewallObjectScope, FirewallOptionsScope, FirewallScope } from '../../pve/api/firewall.ts';
import type { CallParams } from '../preflight/endpoint-permissions.ts';

/** What firewall resources name their scope with: the datacenter (nothing), a node, or a VM on a node. */
export interface ScopeProps {
  readonly node_name?: string;
  readonly vm_id?: number;
}

/** The scope a firewall resource addresses: cluster (nothing set), node, or VM. */
export function scopeOf(p: ScopeProps): FirewallOptionsScope {
  if (p.vm_id !== undefined) return { level: 'vm', node: p.node_name ?? '', vmid: p.vm_id };
  if (p.node_name !== undefined) return { level: 'node', node: p.node_name };
  return { level: 'cluster' };
}

/** The scope as state records it (the handler's attributes), for deletion. */
export function scopeOfAttributes(a: Readonly<Record<string, unknown>>): FirewallOptionsScope {
  if (a.level === 'vm') return { level: 'vm', node: String(a.node), vmid: Number(a.vmid) };
  if (a.level === 'node') return { level: 'node', node: String(a.node) };
  return { level: 'cluster' };
}

export const scopeKey = (s: FirewallScope): string =>
  s.level === 'vm'
    ? `vm/${s.vmid}`
    : s.level === 'node'
      ? `node/${s.node}`
      : s.level === 'group'
        ? `group/${s.group}`
        : 'cluster';

/** Aliases and IP sets live at the datacenter or on a VM only; a node scope is refused by the contract's callers. */
export function isObjectScope(s: FirewallOptionsScope): s is FirewallObjectScope {
  return s.level !== 'node';
}

/** The firewall API base of a scope, as a schema path template with its parameters (for the preflight). */
export function firewallEndpoint(
  p: { readonly node_name?: string | undefined; readonly vm_id?: number | undefined },
  nodeLevel: boolean,
): { template: string; params: CallParams } {
  const node = p.node_name;
  if (p.vm_id !== undefined)
    return { template: '/nodes/{node}/qemu/{vmid}/firewall', params: { node, vmid: p.vm_id } };
  if (nodeLevel && node) return { template: '/nodes/{node}/firewall', params: { node } };
  return { template: '/cluster/firewall', params: {} };
}
