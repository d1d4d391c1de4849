import type { PropertiesOf } from '../../contract/plan-type.ts';
import { firewallAliasType, firewallIpsetType } from '../../contract/types/firewall.ts';
import type { FirewallObjectScope } from '../../pve/api/firewall.ts';
import { EngineError } from '../engine-errors.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import {
  firewallEndpoint,
  isObjectScope,
  type ScopeProps,
  scopeKey,
  scopeOf,
  scopeOfAttributes,
} from './firewall-scope.ts';
import { CREATE, defineHandler, type PropertyChange, propertyChange, updateOrNoOp } from './handler.ts';

/** Aliases and IP sets live at the datacenter or on a VM only. */
function objectScope(path: string, props: ScopeProps): FirewallObjectScope {
  const scope = scopeOf(props);
  if (!isObjectScope(scope))
    throw new EngineError(
      'ENGINE_CANNOT_APPLY',
      `${path}: Proxmox keeps firewall aliases and IP sets at the datacenter or on a VM, not on a node`,
      'set vmId (with nodeName) for a VM, or neither for the datacenter',
    );
  return scope;
}

const objectScopeOfAttributes = (a: Readonly<Record<string, unknown>>): FirewallObjectScope => {
  const scope = scopeOfAttributes(a);
  return isObjectScope(scope) ? scope : { level: 'cluster' };
};

const lockOf = (props: ScopeProps) => [`firewall:${scopeKey(scopeOf(props))}`];

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** Plan keys the API spells otherwise: the VM that holds the object, an IP set entry's address. */
const OBJECT_KEYS = proxmoxKeys({ node_name: 'node', vm_id: 'vmid', 'cidr[].name': 'cidr' });

/** Changes of fields whose plan and API keys are the same (`cidr`, `comment`). */
function changesOf(want: Record<string, string>, have: Readonly<Record<string, unknown>>): PropertyChange[] {
  return Object.entries(want)
    .filter(([k, v]) => text(have[k]) !== v)
    .map(([key, to]) => propertyChange(key, have[key], to));
}

/**
 * `proxmox_virtual_environment_firewall_alias`: one named address. Proxmox
 * matches alias names without regard to case and lists them in lower case.
 */
export const firewallAliasHandler = defineHandler({
  contract: firewallAliasType,
  proxmoxKey: (path) => OBJECT_KEYS.apiOf(path),
  locks: (resource) => lockOf(resource.props),

  async read(ctx, resource) {
    const scope = objectScope(resource.path, resource.props);
    const name = resource.props.name.toLowerCase();
    const alias = (await ctx.api.firewall.aliases(scope)).find((a) => a.name.toLowerCase() === name);
    return alias ? { attributes: { name: alias.name, ...scope }, live: { ...alias } } : undefined;
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const p = resource.props;
    return updateOrNoOp(changesOf({ cidr: p.cidr, comment: text(p.comment) }, observed.live));
  },

  async apply(ctx, resource, planned) {
    const scope = objectScope(resource.path, resource.props);
    const { name, cidr, comment } = resource.props;
    if (planned.action === 'create') await ctx.api.firewall.createAlias(scope, name, cidr, comment);
    else await ctx.api.firewall.updateAlias(scope, name, { cidr, comment: text(comment) });
    return { name: name.toLowerCase(), ...scope };
  },

  async delete(ctx, applied) {
    await ctx.api.firewall.deleteAlias(
      objectScopeOfAttributes(applied.attributes),
      String(applied.attributes.name),
    );
  },

  requirements(resource, call) {
    const { template, params } = firewallEndpoint(resource.props, false);
    const at = { ...params, name: resource.props.name };
    return [
      ...call('GET', `${template}/aliases`, at),
      ...call('POST', `${template}/aliases`, at),
      ...call('PUT', `${template}/aliases/{name}`, at),
      ...call('DELETE', `${template}/aliases/{name}`, at),
    ];
  },
});

interface IpsetEntry {
  readonly cidr: string;
  readonly comment: string;
  readonly nomatch: boolean;
}

function desiredEntries(p: PropertiesOf<typeof firewallIpsetType>): IpsetEntry[] {
  return (p.cidr ?? []).map((e) => ({ cidr: e.name, comment: text(e.comment), nomatch: e.nomatch === true }));
}

const entryKey = (e: IpsetEntry) => JSON.stringify([e.cidr, e.comment, e.nomatch]);

/**
 * `proxmox_virtual_environment_firewall_ipset`: a named set that owns its
 * entries: entries the plan lacks are removed, changed ones re-added.
 */
export const firewallIpsetHandler = defineHandler({
  contract: firewallIpsetType,
  proxmoxKey: (path) => OBJECT_KEYS.apiOf(path),
  locks: (resource) => lockOf(resource.props),

  async read(ctx, resource) {
    const scope = objectScope(resource.path, resource.props);
    const name = resource.props.name;
    const set = (await ctx.api.firewall.ipsets(scope)).find((s) => s.name === name);
    if (!set) return undefined;
    const entries = (await ctx.api.firewall.ipsetEntries(scope, name)).map((e) => ({
      cidr: e.cidr,
      comment: text(e.comment),
      nomatch: e.nomatch === true,
    }));
    return { attributes: { name, ...scope }, live: { comment: text(set.comment), entries } };
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const want = desiredEntries(resource.props).map(entryKey).sort();
    const have = (observed.live.entries as IpsetEntry[]).map(entryKey).sort();
    const changes = changesOf({ comment: text(resource.props.comment) }, observed.live);
    if (JSON.stringify(want) !== JSON.stringify(have))
      changes.push(
        propertyChange(
          'cidr',
          have.map((k) => JSON.parse(k)[0]),
          want.map((k) => JSON.parse(k)[0]),
        ),
      );
    return updateOrNoOp(changes);
  },

  async apply(ctx, resource, planned, observed) {
    const scope = objectScope(resource.path, resource.props);
    const { name, comment } = resource.props;
    if (planned.action === 'create') await ctx.api.firewall.createIpset(scope, name, comment);
    else if (planned.changes.some((c) => c.key === 'comment'))
      await ctx.api.firewall.updateIpsetComment(scope, name, text(comment));
    const want = new Map(desiredEntries(resource.props).map((e) => [entryKey(e), e]));
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

  async delete(ctx, applied) {
    await ctx.api.firewall.deleteIpset(
      objectScopeOfAttributes(applied.attributes),
      String(applied.attributes.name),
      true,
    );
  },

  requirements(resource, call) {
    const { template, params } = firewallEndpoint(resource.props, false);
    const at = { ...params, name: resource.props.name };
    return [
      ...call('GET', `${template}/ipset`, at),
      ...call('POST', `${template}/ipset`, at),
      ...call('POST', `${template}/ipset/{name}`, at),
      ...call('DELETE', `${template}/ipset/{name}/{cidr}`, at),
      ...call('DELETE', `${template}/ipset/{name}`, at),
    ];
  },
});
