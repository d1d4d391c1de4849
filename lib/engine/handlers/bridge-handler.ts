import type { PropertiesOf } from '../../contract/plan-type.ts';
import { linuxBridgeType } from '../../contract/types/network-linux-bridge.ts';
import type { PveParams } from '../../pve/client.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import { stagedInterfaces } from '../proxmox/staged-network.ts';
import {
  CREATE,
  defineHandler,
  type HandlerContext,
  type PropertyChange,
  propertyChange,
  sharedRead,
  updateOrNoOp,
} from './handler.ts';

type BridgeProps = PropertiesOf<typeof linuxBridgeType>;

/** Plan keys beside the network API's. */
const BRIDGE_KEYS = proxmoxKeys({
  name: 'iface',
  node_name: 'node',
  ports: 'bridge_ports',
  vlan_aware: 'bridge_vlan_aware',
  address: 'cidr',
  address6: 'cidr6',
  comment: 'comments',
  vids: 'bridge_vids',
});

/** Plan property → what `GET /nodes/{node}/network` reports, as comparable text (the API's own key names). */
function desiredFields(p: BridgeProps): Record<string, string> {
  const out: Record<string, string> = {};
  out.bridge_ports = p.ports?.join(' ') ?? '';
  out.bridge_vlan_aware = p.vlan_aware ? '1' : '0';
  out.autostart = p.autostart === false ? '0' : '1';
  if (p.address !== undefined) out.cidr = p.address;
  if (p.gateway !== undefined) out.gateway = p.gateway;
  if (p.address6 !== undefined) out.cidr6 = p.address6;
  if (p.gateway6 !== undefined) out.gateway6 = p.gateway6;
  if (p.comment !== undefined) out.comments = p.comment;
  if (p.mtu !== undefined) out.mtu = String(p.mtu);
  if (p.vids !== undefined) out.bridge_vids = p.vids;
  return out;
}

function liveFields(i: Readonly<Record<string, unknown>>): Record<string, string> {
  const flag = (v: unknown) => (v === true || v === 1 || v === '1' ? '1' : '0');
  const text = (k: string) => (i[k] !== undefined && i[k] !== null ? { [k]: String(i[k]).trim() } : {});
  return {
    bridge_ports: String(i.bridge_ports ?? ''),
    bridge_vlan_aware: flag(i.bridge_vlan_aware),
    autostart: flag(i.autostart),
    ...text('cidr'),
    ...text('gateway'),
    ...text('cidr6'),
    ...text('gateway6'),
    ...text('comments'),
    ...text('mtu'),
    ...text('bridge_vids'),
  };
}

function params(fields: Record<string, string>): PveParams {
  return {
    bridge_ports: fields.bridge_ports || undefined,
    bridge_vlan_aware: fields.bridge_vlan_aware === '1',
    autostart: fields.autostart === '1',
    cidr: fields.cidr,
    gateway: fields.gateway,
    cidr6: fields.cidr6,
    gateway6: fields.gateway6,
    comments: fields.comments,
    mtu: fields.mtu !== undefined ? Number(fields.mtu) : undefined,
    bridge_vids: fields.bridge_vids,
  };
}

/** Marks, in what was read, a bridge whose edits are staged on its node but not applied. */
const STAGED = '@staged';

/**
 * A bridge with staged edits not applied yet (a deploy stopped between
 * staging and applying, or an edit in the GUI left unapplied): Proxmox lists
 * it as it will be, so it differs from what runs; the deploy applies the node.
 */
function stagedChange(node: string): PropertyChange {
  return {
    key: 'staged',
    from: `edits staged on ${node}, not applied`,
    to: 'applied (with every edit staged on the node)',
    forcesReplacement: false,
  };
}

const groupOfNode = (node: string) => `network-apply:${node}`;
const nodeOfGroup = (group: string) => group.slice('network-apply:'.length);

/**
 * Applies a node's staged network edits (one reload), then checks that the
 * API still answers. If it does not, the bridges are put back as they were
 * before this deploy (`previous`, read before staging) and applied again,
 * and the failure is raised.
 */
export async function applyStagedNetwork(
  ctx: HandlerContext,
  node: string,
  previous: ReadonlyArray<Readonly<Record<string, unknown>>>,
): Promise<void> {
  await ctx.api.applyNetwork(node);
  try {
    await ctx.api.version();
  } catch (e) {
    const now = await ctx.api.network(node).catch(() => []);
    for (const old of previous.filter((i) => i.type === 'bridge')) {
      const fields = params(liveFields(old));
      if (now.some((i) => i.iface === old.iface))
        await ctx.api.updateNetwork(node, String(old.iface), { type: 'bridge', ...fields });
      else await ctx.api.createNetwork(node, { iface: String(old.iface), type: 'bridge', ...fields });
    }
    for (const added of now.filter((i) => i.type === 'bridge' && !previous.some((p) => p.iface === i.iface)))
      await ctx.api.deleteNetwork(node, added.iface);
    await ctx.api.applyNetwork(node);
    throw e;
  }
}

/**
 * `proxmox_virtual_environment_network_linux_bridge`: edits are staged on the
 * node (Proxmox keeps them in interfaces.new); the engine applies each node's
 * staged edits once, after all its bridges changed (`staging`).
 */
export const bridgeHandler = defineHandler({
  contract: linuxBridgeType,
  proxmoxKey: (path) => BRIDGE_KEYS.apiOf(path),

  locks(resource) {
    return [`network:${resource.props.node_name}`];
  },

  async read(ctx, resource) {
    const { node_name: node, name } = resource.props;
    const listed = await sharedRead(ctx, `network:${node}`, () => ctx.api.networkWithStaged(node));
    const iface = listed.interfaces.find((i) => i.iface === name);
    // Proxmox lists staged edits as if applied: whether this bridge has some waiting is kept apart.
    const staged = listed.staged === undefined ? undefined : stagedInterfaces(listed.staged);
    const waiting = staged === 'all' || staged?.has(name) === true;
    if (!iface) return undefined;
    return {
      attributes: { name: iface.iface, node_name: node },
      live: { ...iface, ...(waiting ? { [STAGED]: true } : {}) },
    };
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const want = desiredFields(resource.props);
    const have = liveFields(observed.live);
    const changes: PropertyChange[] = Object.keys(want)
      .filter((k) => want[k] !== (have[k] ?? (k === 'bridge_ports' ? '' : undefined)))
      .map((api) => propertyChange(BRIDGE_KEYS.planOf(api), have[api], want[api], { api }));
    if (observed.live[STAGED]) changes.push(stagedChange(resource.props.node_name));
    return updateOrNoOp(changes);
  },

  async apply(ctx, resource, planned) {
    const { node_name: node, name } = resource.props;
    const fields = params(desiredFields(resource.props));
    if (planned.action === 'create')
      await ctx.api.createNetwork(node, { iface: name, type: 'bridge', ...fields });
    else await ctx.api.updateNetwork(node, name, { type: 'bridge', ...fields });
    return { name, node_name: node };
  },

  async delete(ctx, applied) {
    await ctx.api.deleteNetwork(String(applied.attributes.node_name), String(applied.attributes.name));
  },

  requirements(resource, call) {
    const at = { node: resource.props.node_name, iface: resource.props.name };
    // Stage, apply (one reload per node) and, when the node stops answering, revert.
    return [
      ...call('GET', '/nodes/{node}/network', at),
      ...call('POST', '/nodes/{node}/network', at),
      ...call('PUT', '/nodes/{node}/network/{iface}', at),
      ...call('DELETE', '/nodes/{node}/network/{iface}', at),
      ...call('PUT', '/nodes/{node}/network', at),
      ...call('DELETE', '/nodes/{node}/network', at),
    ];
  },

  staging: {
    groupOf: (props) => groupOfNode(props.node_name),
    groupOfApplied: (applied) => groupOfNode(String(applied.attributes.node_name)),
    capture: (ctx, group) => ctx.api.network(nodeOfGroup(group)),
    apply: (ctx, group, captured) =>
      applyStagedNetwork(ctx, nodeOfGroup(group), captured as ReadonlyArray<Record<string, unknown>>),
  },
});
