import type { PveParams } from '../../pve/client.ts';
import {
  type HandlerContext,
  type PlannedChange,
  type PropertyChange,
  type ResourceHandler,
  sharedRead,
} from './handler.ts';

/** Plan attribute → what `GET /nodes/{node}/network` reports, as comparable text. */
function desiredFields(p: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  out.bridge_ports = Array.isArray(p.ports) ? p.ports.join(' ') : '';
  out.bridge_vlan_aware = p.vlan_aware ? '1' : '0';
  out.autostart = p.autostart === false ? '0' : '1';
  if (p.address !== undefined) out.cidr = String(p.address);
  if (p.gateway !== undefined) out.gateway = String(p.gateway);
  if (p.comment !== undefined) out.comments = String(p.comment);
  if (p.mtu !== undefined) out.mtu = String(p.mtu);
  return out;
}

function liveFields(i: Record<string, unknown>): Record<string, string> {
  const flag = (v: unknown) => (v === true || v === 1 || v === '1' ? '1' : '0');
  return {
    bridge_ports: String(i.bridge_ports ?? ''),
    bridge_vlan_aware: flag(i.bridge_vlan_aware),
    autostart: flag(i.autostart),
    ...(i.cidr !== undefined ? { cidr: String(i.cidr) } : {}),
    ...(i.gateway !== undefined ? { gateway: String(i.gateway) } : {}),
    ...(i.comments !== undefined ? { comments: String(i.comments).trim() } : {}),
    ...(i.mtu !== undefined ? { mtu: String(i.mtu) } : {}),
  };
}

function params(fields: Record<string, string>): PveParams {
  return {
    bridge_ports: fields.bridge_ports || undefined,
    bridge_vlan_aware: fields.bridge_vlan_aware === '1',
    autostart: fields.autostart === '1',
    cidr: fields.cidr,
    gateway: fields.gateway,
    comments: fields.comments,
    mtu: fields.mtu !== undefined ? Number(fields.mtu) : undefined,
  };
}

/**
 * `proxmox_virtual_environment_network_linux_bridge`: edits are staged on the
 * node (Proxmox keeps them in interfaces.new); the engine applies each node's
 * staged edits once, with applyStagedNetwork, after all its bridges changed.
 */
export const bridgeHandler: ResourceHandler = {
  type: 'proxmox_virtual_environment_network_linux_bridge',

  locks(resource) {
    return [`network:${String(resource.properties.node_name)}`];
  },

  async read(ctx, resource) {
    const node = String(resource.properties.node_name);
    const iface = (await sharedRead(ctx, `network:${node}`, () => ctx.api.network(node))).find(
      (i) => i.iface === resource.properties.name,
    );
    if (!iface) return undefined;
    return {
      attributes: { name: iface.iface, node_name: node },
      live: iface as unknown as Record<string, unknown>,
    };
  },

  plan(resource, observed): PlannedChange {
    if (!observed) return { action: 'create', changes: [], destroysData: false };
    const want = desiredFields(resource.properties);
    const have = liveFields(observed.live);
    const changes: PropertyChange[] = Object.keys(want)
      .filter((k) => want[k] !== (have[k] ?? (k === 'bridge_ports' ? '' : undefined)))
      .map((k) => ({ key: k, from: have[k], to: want[k], forcesReplacement: false }));
    return changes.length
      ? { action: 'update', changes, destroysData: false }
      : { action: 'no-op', changes: [], destroysData: false };
  },

  async apply(ctx, resource, change) {
    const node = String(resource.properties.node_name);
    const name = String(resource.properties.name);
    const fields = params(desiredFields(resource.properties));
    if (change.action === 'create')
      await ctx.api.createNetwork(node, { iface: name, type: 'bridge', ...fields });
    else await ctx.api.updateNetwork(node, name, { type: 'bridge', ...fields });
    return { name, node_name: node };
  },

  async delete(ctx, attributes) {
    await ctx.api.deleteNetwork(String(attributes.node_name), String(attributes.name));
  },
};

/**
 * Applies a node's staged network edits (one reload), then checks that the
 * API still answers. If it does not, the bridges are put back as they were
 * before this deploy (`previous`, read before staging) and applied again,
 * and the failure is raised.
 */
export async function applyStagedNetwork(
  ctx: HandlerContext,
  node: string,
  previous: ReadonlyArray<Record<string, unknown>>,
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
    for (const added of now.filter(
      (i) => i.type === 'bridge' && !previous.some((p) => p.iface === i.iface),
    )) {
      await ctx.api.deleteNetwork(node, added.iface);
    }
    await ctx.api.applyNetwork(node);
    throw e;
  }
}
