import type { FirewallObjectScope } from '../../pve/api/firewall.ts';
import { scopeOf } from './firewall-handlers.ts';
import type { DesiredResource, PlannedChange, PropertyChange, ResourceHandler } from './handler.ts';

type Props = Record<string, unknown>;

/** Aliases and IP sets live at the datacenter or on a VM only. */
function objectScope(resource: DesiredResource | { path: string; properties: Props }): FirewallObjectScope {
  const scope = scopeOf(resource.properties);
  if (scope.level === 'node')
    throw new Error(
      `${resource.path}: Proxmox keeps firewall aliases and IP sets at the datacenter or on a VM, not on a node; set vmId (with nodeName) for a VM, or neither for the datacenter`,
    );
  return scope;
}

const locksOf = (resource: DesiredResource) => {
  const s = scopeOf(resource.properties);
  return [`firewall:${s.level === 'vm' ? `vm/${s.vmid}` : 'cluster'}`];
};

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function changesOf(want: Record<string, string>, have: Props): PropertyChange[] {
  return Object.entries(want)
    .filter(([k, v]) => text(have[k]) !== v)
    .map(([key, to]) => ({ key, from: have[key], to, forcesReplacement: false }));
}

/**
 * `proxmox_virtual_environment_firewall_alias`: one named address. Proxmox
 * matches alias names without regard to case and lists them in lower case.
 */
export const firewallAliasHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_firewall_alias',
  locks: locksOf,

  async read(ctx, resource) {
    const scope = objectScope(resource);
    const name = String(resource.properties.name).toLowerCase();
    const alias = (await ctx.api.firewall.aliases(scope)).find((a) => a.name.toLowerCase() === name);
    return alias
      ? { attributes: { name: alias.name, ...scope }, live: alias as unknown as Props }
      : undefined;
  },

  plan(resource, observed): PlannedChange {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const p = resource.properties;
    const changes = changesOf({ cidr: text(p.cidr), comment: text(p.comment) }, observed.live);
    return { action: changes.length ? 'update' : 'no-op', changes, destroysData: false };
  },

  async apply(ctx, resource, change) {
    const scope = objectScope(resource);
    const p = resource.properties;
    const name = String(p.name);
    if (change.action === 'create')
      await ctx.api.firewall.createAlias(scope, name, String(p.cidr), p.comment as string | undefined);
    else await ctx.api.firewall.updateAlias(scope, name, { cidr: String(p.cidr), comment: text(p.comment) });
    return { name: name.toLowerCase(), ...scope };
  },

  async delete(ctx, attributes) {
    const { name, ...scope } = attributes;
    await ctx.api.firewall.deleteAlias(scope as unknown as FirewallObjectScope, String(name));
  },
};

interface IpsetEntry {
  readonly cidr: string;
  readonly comment: string;
  readonly nomatch: boolean;
}

function desiredEntries(p: Props): IpsetEntry[] {
  const list = Array.isArray(p.cidr) ? (p.cidr as Props[]) : [];
  return list.map((e) => ({ cidr: String(e.name), comment: text(e.comment), nomatch: e.nomatch === true }));
}

const entryKey = (e: IpsetEntry) => JSON.stringify([e.cidr, e.comment, e.nomatch]);

/**
 * `proxmox_virtual_environment_firewall_ipset`: a named set that owns its
 * entries: entries the plan lacks are removed, changed ones re-added.
 */
export const firewallIpsetHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_firewall_ipset',
  locks: locksOf,

  async read(ctx, resource) {
    const scope = objectScope(resource);
    const name = String(resource.properties.name);
    const set = (await ctx.api.firewall.ipsets(scope)).find((s) => s.name === name);
    if (!set) return undefined;
    const entries = (await ctx.api.firewall.ipsetEntries(scope, name)).map((e) => ({
      cidr: e.cidr,
      comment: text(e.comment),
      nomatch: Number(e.nomatch ?? 0) === 1,
    }));
    return { attributes: { name, ...scope }, live: { comment: text(set.comment), entries } };
  },

  plan(resource, observed): PlannedChange {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const want = desiredEntries(resource.properties).map(entryKey).sort();
    const have = (observed.live.entries as IpsetEntry[]).map(entryKey).sort();
    const changes = changesOf({ comment: text(resource.properties.comment) }, observed.live);
    if (JSON.stringify(want) !== JSON.stringify(have))
      changes.push({
        key: 'cidr',
        from: have.map((k) => JSON.parse(k)[0]),
        to: want.map((k) => JSON.parse(k)[0]),
        forcesReplacement: false,
      });
    return { action: changes.length ? 'update' : 'no-op', changes, destroysData: false };
  },

  async apply(ctx, resource, change, observed) {
    const scope = objectScope(resource);
    const p = resource.properties;
    const name = String(p.name);
    if (change.action === 'create')
      await ctx.api.firewall.createIpset(scope, name, p.comment as string | undefined);
    else if (change.changes.some((c) => c.key === 'comment'))
      await ctx.api.firewall.updateIpsetComment(scope, name, text(p.comment));
    const want = new Map(desiredEntries(p).map((e) => [entryKey(e), e]));
    const have = new Map(
      ((observed?.live.entries as IpsetEntry[] | undefined) ?? []).map((e) => [entryKey(e), e]),
    );
    // Removed first: a changed entry (same address, other comment) is re-added under the same address.
    for (const [key, e] of have)
      if (!want.has(key)) await ctx.api.firewall.removeIpsetEntry(scope, name, e.cidr);
    for (const [key, e] of want)
      if (!have.has(key))
        await ctx.api.firewall.addIpsetEntry(scope, name, e.cidr, {
          ...(e.comment ? { comment: e.comment } : {}),
          ...(e.nomatch ? { nomatch: true } : {}),
        });
    return { name, ...scope };
  },

  async delete(ctx, attributes) {
    const { name, ...scope } = attributes;
    await ctx.api.firewall.deleteIpset(scope as unknown as FirewallObjectScope, String(name), true);
  },
};
