import { z } from 'zod';
import type { PveClient, PveParams } from '../client.ts';
import { boolLike, intLike } from './schemas.ts';

/** Where a firewall config lives: datacenter, one node, one VM, or a security group. */
export type FirewallScope =
  | { readonly level: 'cluster' }
  | { readonly level: 'node'; readonly node: string }
  | { readonly level: 'vm'; readonly node: string; readonly vmid: number }
  | { readonly level: 'group'; readonly group: string };

/** IP sets and aliases exist only at datacenter and VM level. */
export type FirewallObjectScope = Extract<FirewallScope, { level: 'cluster' | 'vm' }>;
/** Options exist everywhere but in a security group. */
export type FirewallOptionsScope = Exclude<FirewallScope, { level: 'group' }>;

/** One rule as `copy_list_with_digest` lists it; `digest` covers the whole list. */
export const FirewallRuleSchema = z.object({
  pos: intLike,
  type: z.string(),
  action: z.string(),
  enable: boolLike.optional(),
  macro: z.string().optional(),
  iface: z.string().optional(),
  proto: z.string().optional(),
  dport: z.string().optional(),
  sport: z.string().optional(),
  source: z.string().optional(),
  dest: z.string().optional(),
  log: z.string().optional(),
  'icmp-type': z.string().optional(),
  comment: z.string().optional(),
  ipversion: intLike.optional(),
  digest: z.string().optional(),
});
export type FirewallRule = z.infer<typeof FirewallRuleSchema>;

export const FirewallOptionsSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const FirewallGroupSchema = z.object({
  group: z.string(),
  comment: z.string().optional(),
  digest: z.string().optional(),
});

export const IpsetSchema = z.object({
  name: z.string(),
  comment: z.string().optional(),
  digest: z.string().optional(),
});

export const IpsetEntrySchema = z.object({
  cidr: z.string(),
  comment: z.string().optional(),
  nomatch: boolLike.optional(),
  digest: z.string().optional(),
});

export const FirewallAliasSchema = z.object({
  name: z.string(),
  cidr: z.string(),
  comment: z.string().optional(),
  ipversion: intLike.optional(),
  digest: z.string().optional(),
});

const seg = (v: string | number) => encodeURIComponent(String(v));

/** The firewall base path of a scope (a group's rules sit directly under the group). */
export function firewallPath(scope: FirewallScope): string {
  switch (scope.level) {
    case 'cluster':
      return '/cluster/firewall';
    case 'node':
      return `/nodes/${seg(scope.node)}/firewall`;
    case 'vm':
      return `/nodes/${seg(scope.node)}/qemu/${scope.vmid}/firewall`;
    case 'group':
      return `/cluster/firewall/groups/${seg(scope.group)}`;
  }
}

const rulesPath = (scope: FirewallScope) =>
  scope.level === 'group' ? firewallPath(scope) : `${firewallPath(scope)}/rules`;

/**
 * Firewall rules, options, security groups, IP sets and aliases. Edits take
 * the `digest` of the list read before, so Proxmox refuses a change made
 * against a stale view instead of overwriting someone else's.
 */
export class FirewallApi {
  constructor(private readonly client: PveClient) {}

  rules(scope: FirewallScope): Promise<FirewallRule[]> {
    return this.client.get(rulesPath(scope), {}, FirewallRuleSchema.array());
  }

  /** Inserts a rule before `pos` (at the top when `pos` is left out). */
  async createRule(
    scope: FirewallScope,
    params: PveParams & { type: string; action: string },
  ): Promise<void> {
    await this.client.post(rulesPath(scope), params);
  }

  async updateRule(scope: FirewallScope, pos: number, params: PveParams): Promise<void> {
    await this.client.put(`${rulesPath(scope)}/${pos}`, params);
  }

  async deleteRule(scope: FirewallScope, pos: number, digest?: string): Promise<void> {
    await this.client.delete(`${rulesPath(scope)}/${pos}`, { digest });
  }

  options(scope: FirewallOptionsScope) {
    return this.client.get(`${firewallPath(scope)}/options`, {}, FirewallOptionsSchema);
  }

  async setOptions(scope: FirewallOptionsScope, params: PveParams): Promise<void> {
    await this.client.put(`${firewallPath(scope)}/options`, params);
  }

  groups() {
    return this.client.get('/cluster/firewall/groups', {}, FirewallGroupSchema.array());
  }

  async createGroup(group: string, comment?: string): Promise<void> {
    await this.client.post('/cluster/firewall/groups', { group, comment });
  }

  /** Proxmox refuses while the group is still referenced by a rule. */
  async deleteGroup(group: string): Promise<void> {
    await this.client.delete(`/cluster/firewall/groups/${seg(group)}`);
  }

  ipsets(scope: FirewallObjectScope) {
    return this.client.get(`${firewallPath(scope)}/ipset`, {}, IpsetSchema.array());
  }

  async createIpset(scope: FirewallObjectScope, name: string, comment?: string): Promise<void> {
    await this.client.post(`${firewallPath(scope)}/ipset`, { name, comment });
  }

  /** Changes a set's comment (Proxmox does it as a rename onto the same name), keeping its entries. */
  async updateIpsetComment(scope: FirewallObjectScope, name: string, comment: string): Promise<void> {
    await this.client.post(`${firewallPath(scope)}/ipset`, { name, rename: name, comment });
  }

  /** Proxmox refuses to delete a set that still has entries unless `force`. */
  async deleteIpset(scope: FirewallObjectScope, name: string, force = false): Promise<void> {
    await this.client.delete(`${firewallPath(scope)}/ipset/${seg(name)}`, force ? { force } : {});
  }

  ipsetEntries(scope: FirewallObjectScope, name: string) {
    return this.client.get(`${firewallPath(scope)}/ipset/${seg(name)}`, {}, IpsetEntrySchema.array());
  }

  async addIpsetEntry(
    scope: FirewallObjectScope,
    name: string,
    cidr: string,
    options: { comment?: string; nomatch?: boolean } = {},
  ): Promise<void> {
    await this.client.post(`${firewallPath(scope)}/ipset/${seg(name)}`, { cidr, ...options });
  }

  async removeIpsetEntry(scope: FirewallObjectScope, name: string, cidr: string): Promise<void> {
    await this.client.delete(`${firewallPath(scope)}/ipset/${seg(name)}/${seg(cidr)}`);
  }

  aliases(scope: FirewallObjectScope) {
    return this.client.get(`${firewallPath(scope)}/aliases`, {}, FirewallAliasSchema.array());
  }

  async createAlias(scope: FirewallObjectScope, name: string, cidr: string, comment?: string): Promise<void> {
    await this.client.post(`${firewallPath(scope)}/aliases`, { name, cidr, comment });
  }

  async updateAlias(
    scope: FirewallObjectScope,
    name: string,
    params: PveParams & { cidr: string },
  ): Promise<void> {
    await this.client.put(`${firewallPath(scope)}/aliases/${seg(name)}`, params);
  }

  async deleteAlias(scope: FirewallObjectScope, name: string): Promise<void> {
    await this.client.delete(`${firewallPath(scope)}/aliases/${seg(name)}`);
  }
}
