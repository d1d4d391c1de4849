import type { Plan } from '../../contract/plan.ts';
import type { PveMajor } from '../../pve/privileges.ts';
import type { PreflightFacts, PreflightResource } from '../handlers/handler.ts';
import { HANDLERS } from '../handlers/index.ts';
import { callRequirements, type PrivilegeOnPath, type Requirement } from './endpoint-permissions.ts';
import { knownValues } from './known-values.ts';

/** A privilege a deploy needs on a path, and the plan resources (construct paths) that need it. */
export interface RequiredPrivilege extends Requirement {
  readonly neededFor: readonly string[];
}

export interface RequiredPrivilegesOptions {
  /** What handlers read first for their requirements, by plan type (the templates VMs are cloned from). */
  readonly facts?: ReadonlyMap<string, PreflightFacts>;
  /** Resources state holds that the plans may drop: deleting them needs privileges too. */
  readonly applied?: readonly AppliedEntry[];
}

/** A resource from a stack's state: what a deletion works from. */
export interface AppliedEntry {
  readonly stack: string;
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface RequiredPrivileges {
  readonly major: PveMajor;
  /** Deduplicated, sorted by path then privilege. */
  readonly privileges: readonly RequiredPrivilege[];
  /**
   * Plan types this version has no handler for: their resources stay pending
   * (nothing is done for them), so nothing is listed for them.
   */
  readonly pendingTypes: readonly string[];
}

/** The resources of `plans` (and those only `applied` still holds), with what is known of them, by type. */
export function preflightResources(
  plans: readonly Plan[],
  applied: readonly AppliedEntry[] = [],
): Map<string, PreflightResource<unknown>[]> {
  const resolve = knownValues(plans);
  const byType = new Map<string, PreflightResource<unknown>[]>();
  const add = (type: string, r: PreflightResource<unknown>) =>
    byType.set(type, [...(byType.get(type) ?? []), r]);
  const inPlans = new Set<string>();
  for (const plan of plans)
    for (const [id, resource] of Object.entries(plan.resources)) {
      inPlans.add(`${plan.stack}:${id}`);
      add(resource.type, {
        stack: plan.stack,
        path: resource.path,
        props: resolve(resource.properties, plan.stack),
        critical: resource.critical === true,
      });
    }
  for (const entry of applied)
    if (!inPlans.has(`${entry.stack}:${entry.id}`))
      add(entry.type, {
        stack: entry.stack,
        path: entry.path,
        props: resolve(entry.properties, entry.stack),
        critical: false,
      });
  return byType;
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
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', template: string, params = {}) =>
    callRequirements(method, template, params, major);
  const all: Array<Requirement & { neededFor: string[] }> = [];
  const pending = new Set<string>();
  const inherited = new Map<string, string>();
  for (const [type, resources] of preflightResources(plans, options.applied)) {
    const handler = HANDLERS.get(type);
    if (!handler) {
      pending.add(type);
      continue;
    }
    for (const r of resources) {
      for (const n of handler.requirements(r as never, call, options.facts?.get(type)))
        all.push({ ...n, neededFor: [r.path] });
      for (const [path, via] of handler.inheritedPaths?.(r.props as never) ?? []) inherited.set(path, via);
    }
  }
  // Proxmox applies the ACLs of a containing path (a VM's pool) too: either grant meets the need.
  const withInherited = all.map((n) => {
    const extra = [n, ...n.orElse]
      .filter((o) => inherited.has(o.path))
      .map((o) => ({ path: inherited.get(o.path)!, privilege: o.privilege }))
      .filter((x) => ![n, ...n.orElse].some((o) => optionKey(o) === optionKey(x)));
    return extra.length ? { ...n, orElse: [...n.orElse, ...extra] } : n;
  });
  return { major, privileges: consolidate(withInherited), pendingTypes: [...pending].sort() };
}
