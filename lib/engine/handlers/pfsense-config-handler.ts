import type { PropertiesOf } from '../../contract/plan-type.ts';
import { pfsenseConfigType } from '../../contract/types/guest.ts';
import { EngineError } from '../engine-errors.ts';
import type { PlanGuestTarget } from '../guest/guest-address.ts';
import { applyOwnedEntries } from '../guest/pfsense/apply-owned-entries.ts';
import { storedForm } from '../guest/pfsense/config-secrets.ts';
import { readConfigXml } from '../guest/pfsense/config-xml-io.ts';
import { checkConfigXml, type OwnedEntries } from '../guest/pfsense/config-xml-merge.ts';
import type { StoredSecret } from '../guest/pfsense/entry-compare.ts';
import {
  type OwnedConfigLive,
  observeOwnedConfig,
  ownedConfigChanges,
} from '../guest/pfsense/owned-config-state.ts';
import { kindName, kindNamed } from '../guest/pfsense/pfsense-entry-kinds.ts';
import { PfsenseError } from '../guest/pfsense/pfsense-errors.ts';
import { ownedEntriesOf } from '../guest/pfsense/section-entries.ts';
import { GUEST_TARGET_HOOKS, guestSession, targetUnresolved, vmExists, vmRunning } from './guest-support.ts';
import {
  type AppliedResource,
  CREATE,
  defineHandler,
  type HandlerContext,
  type Observed,
  type PropertyChange,
  propertyChange,
  type ResourceChange,
  updateOrNoOp,
} from './handler.ts';

type Props = PropertiesOf<typeof pfsenseConfigType>;

/**
 * `pvecdk_pfsense_config`: the router's config.xml sections pvecdk owns.
 * Read downloads /cf/conf/config.xml and finds pvecdk's entries in it (so a
 * hand edit in the pfSense GUI shows in diff, rule by rule, field by
 * field); apply merges the entries into the file as it is now (hand-made
 * entries kept byte for byte), fills the secret markers only in the text
 * sent on the write command's stdin, backs up, writes atomically, removes
 * the config cache and reloads; verify reads it back. A critical change:
 * the router VM is snapshotted first and rolled back when apply or verify
 * throws. Deletion removes pvecdk's entries but the interfaces.
 */

const targetVm = (p: Props) => ({ vmid: p.target.vm_id as number, node: p.target.node_name as string });

/** The target with the VM the state recorded, for a deletion (the plan's references are unresolved there). */
function recordedTarget(applied: AppliedResource): PlanGuestTarget | undefined {
  const target = { ...(applied.properties.target as Record<string, unknown>) };
  target.vm_id = applied.attributes.vm_id;
  target.node_name = applied.attributes.node_name;
  return targetUnresolved(target) ? undefined : (target as unknown as PlanGuestTarget);
}

/** How the router should hold each secret; without a secret store a secret counts as held (cannot tell). */
function storedSecrets(ctx: HandlerContext): StoredSecret {
  const secrets = ctx.secrets;
  if (!secrets) return () => undefined;
  return (field, reference) => {
    try {
      return storedForm(field, secrets.resolve(reference));
    } catch {
      // Not made yet (generated at this deploy): the router cannot hold it.
      return '\u0000not yet made';
    }
  };
}

function resolverOf(ctx: HandlerContext, path: string): (reference: string) => string {
  const secrets = ctx.secrets;
  if (!secrets) {
    throw new EngineError(
      'ENGINE_NO_SECRET_STORE',
      `${path}: the router's config holds secrets (certificates, keys) and this run has no secret store to fill them from`,
      'deploy through the pvecdk CLI, which opens the secret store; nothing was changed',
    );
  }
  return (reference) => secrets.resolve(reference);
}

function liveOf(observed: Observed | undefined): OwnedConfigLive | undefined {
  return observed?.live as OwnedConfigLive | undefined;
}

/** The entries to remove that only a change names (former keyed entries), by kind. */
function removalsIn(change: ResourceChange): OwnedEntries[] {
  const byKind = new Map<string, string[]>();
  for (const c of change.changes) {
    if (c.to !== undefined || !c.api) continue;
    const at = c.api.indexOf(
      ':',
      c.api.startsWith('section:') || c.api.startsWith('element:') ? c.api.indexOf(':') + 1 : 0,
    );
    const [name, key] = [c.api.slice(0, at), c.api.slice(at + 1)];
    byKind.set(name, [...(byKind.get(name) ?? []), key]);
  }
  return [...byKind].flatMap(([name, keys]) => {
    const kind = kindNamed(name);
    return kind ? [{ kind, wanted: [], formerKeys: keys }] : [];
  });
}

/** The planned sets with the removals added to the set of their kind (one merge per kind). */
function withRemovals(sets: readonly OwnedEntries[], removals: readonly OwnedEntries[]): OwnedEntries[] {
  const out = [...sets];
  for (const r of removals) {
    const at = out.findIndex((s) => kindName(s.kind) === kindName(r.kind));
    if (at === -1) out.push(r);
    else out[at] = { ...out[at]!, formerKeys: [...(out[at]!.formerKeys ?? []), ...(r.formerKeys ?? [])] };
  }
  return out;
}

export const pfsenseConfigHandler = defineHandler({
  contract: pfsenseConfigType,
  ...GUEST_TARGET_HOOKS,

  async read(ctx, resource) {
    const { target } = resource.props;
    // A router not made or not running yet has no config to read: its entries are all to add.
    if (targetUnresolved(target) || !vmRunning(ctx, target)) return undefined;
    const session = await guestSession(ctx, resource.path, target);
    const text = await readConfigXml(session, resource.path);
    const live = observeOwnedConfig(text, resource.props.sections, storedSecrets(ctx));
    const { vmid, node } = targetVm(resource.props);
    if (!Object.keys(live.entries).length) return undefined;
    return { attributes: { vm_id: vmid, node_name: node }, live: live as unknown as Record<string, unknown> };
  },

  diff(resource, observed, previous) {
    const live = liveOf(observed);
    if (!live) return CREATE;
    const changes: PropertyChange[] = ownedConfigChanges(
      live,
      resource.props.sections,
      previous?.sections,
    ).map(
      // Whole entries added or removed carry their identity, which a removal is applied by.
      (c) => propertyChange(c.key, c.from, c.to, c.whole ? { api: c.entry } : {}),
    );
    return updateOrNoOp(changes);
  },

  async apply(ctx, resource, change) {
    const where = resource.path;
    const session = await guestSession(ctx, where, resource.props.target);
    const sets = withRemovals(ownedEntriesOf(resource.props.sections), removalsIn(change));
    const backup = await applyOwnedEntries(session, sets, {
      where,
      reload: resource.props.reload ?? 'all',
      why: `${where} (${change.action})`,
      // Asked for only when a marker is there to fill.
      resolve: (reference) => resolverOf(ctx, where)(reference),
    });
    const { vmid, node } = targetVm(resource.props);
    return { vm_id: vmid, node_name: node, ...(backup ? { backup } : {}) };
  },

  async verify(ctx, resource) {
    const where = resource.path;
    const session = await guestSession(ctx, where, resource.props.target);
    const text = await readConfigXml(session, where);
    checkConfigXml(text, `${where}: config.xml after the reload`);
    const live = observeOwnedConfig(text, resource.props.sections, storedSecrets(ctx));
    const left = ownedConfigChanges(live, resource.props.sections).map((c) => c.key);
    if (left.length) {
      throw new PfsenseError(
        'PFSENSE_VERIFY_FAILED',
        `${where}: after the write and reload, config.xml on ${session.description} does not hold ${left.slice(0, 8).join(', ')}${left.length > 8 ? ` and ${left.length - 8} more` : ''}`,
        'pfSense may have refused the file and restored a backup (see its system log); the router is rolled back to the snapshot taken before the change',
      );
    }
  },

  async ownedForDeletion(ctx, applied) {
    // The router gone (or never recorded) takes its config.xml with it.
    const target = recordedTarget(applied);
    return target && vmExists(ctx, target) ? 'owned' : 'gone';
  },

  async delete(ctx, applied: AppliedResource) {
    const props = applied.properties as Partial<Props>;
    const where = applied.path;
    const target = recordedTarget(applied);
    if (!target) return;
    const session = await guestSession(ctx, where, target);
    await applyOwnedEntries(session, ownedEntriesOf({}, props.sections ?? {}), {
      where,
      reload: props.reload ?? 'all',
      why: `${where} (delete)`,
    });
  },
});
