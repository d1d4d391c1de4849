import { dieError, paramError } from '../emulator-error.ts';
import { type EmulatorContext, EnvelopedAnswer, type HandlerTable } from '../handler.ts';
import type { EmulatorNetIface, EmulatorNode } from '../state.ts';
import { type TaskKind, workerDie } from '../task-runner.ts';
import { stagedChanges } from './network-file.ts';

function nodeOf(ctx: EmulatorContext): EmulatorNode {
  const node = ctx.state.nodes[String(ctx.params.node)];
  if (!node) throw dieError(`no such cluster node '${String(ctx.params.node)}'`);
  return node;
}

/** What the node would have after applying its staged changes. */
function staged(node: EmulatorNode): Record<string, EmulatorNetIface> {
  const out = { ...node.network };
  for (const [iface, change] of Object.entries(node.pendingNetwork ?? {})) {
    if (change === null) delete out[iface];
    else out[iface] = change;
  }
  return out;
}

/** The interface options kept as given (interfaces(5) options pve-common writes back). */
const KEPT = [
  'autostart',
  'bridge_ports',
  'bridge_vlan_aware',
  'bridge_vids',
  'cidr',
  'gateway',
  'cidr6',
  'gateway6',
  'comments',
  'mtu',
] as const;

const split = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

function ifaceFrom(params: Record<string, unknown>, base: Partial<EmulatorNetIface> = {}): EmulatorNetIface {
  const out = { ...base, iface: String(params.iface), type: String(params.type ?? base.type) } as Record<
    string,
    unknown
  >;
  // pve-manager API2/Network.pm: deletions first, then what is given.
  for (const key of split(params.delete)) delete out[key];
  for (const key of KEPT) if (params[key] !== undefined) out[key] = params[key];
  // The VLAN list is written space-separated, whatever separated it.
  if (out.bridge_vids !== undefined) out.bridge_vids = split(out.bridge_vids).join(' ');
  return out as unknown as EmulatorNetIface;
}

/**
 * pve-manager API2/Network.pm's checks against the node's other interfaces:
 * one default gateway (per family) per node, and a port in one bridge only.
 */
function checkAgainstOthers(
  ifaces: Readonly<Record<string, EmulatorNetIface>>,
  iface: string,
  params: Record<string, unknown>,
): void {
  const others = Object.values(ifaces).filter((i) => i.iface !== iface);
  for (const [key, name] of [
    ['gateway', 'Default gateway'],
    ['gateway6', 'Default ipv6 gateway'],
  ] as const) {
    const holder = params[key] ? others.find((i) => i[key]) : undefined;
    if (holder) throw paramError({ [key]: `${name} already exists on interface '${holder.iface}'.` });
  }
  for (const port of split(params.bridge_ports)) {
    const holder = others.find((i) => split(i.bridge_ports).includes(port));
    if (holder) throw paramError({ bridge_ports: `${port} is already used on interface '${holder.iface}'.` });
  }
}

/** An interface as the API lists it: addresses also split into address and netmask, the families they make. */
function listed(i: EmulatorNetIface): Record<string, unknown> {
  const [address, netmask] = (i.cidr ?? '').split('/');
  const [address6, netmask6] = (i.cidr6 ?? '').split('/');
  return {
    ...i,
    ...(i.cidr ? { address, netmask } : {}),
    ...(i.cidr6 ? { address6, netmask6: Number(netmask6) } : {}),
    families: [...(i.cidr || !i.cidr6 ? ['inet'] : []), ...(i.cidr6 ? ['inet6'] : [])],
    method: i.cidr ? 'static' : 'manual',
    method6: i.cidr6 ? 'static' : 'manual',
  };
}

/** `srvreload` of networking: what is staged (interfaces.new) becomes what runs. */
const reloadTask: TaskKind<{ node: string }> = {
  name: 'srvreload',
  run: (env, args) => {
    const node = env.state.nodes[args.node];
    if (!node) throw workerDie(`no such cluster node '${args.node}'`);
    node.network = Object.fromEntries(Object.entries(staged(node)).map(([k, v]) => [k, { ...v, active: 1 }]));
    node.pendingNetwork = undefined;
    env.changed();
    return ['reloading network config'];
  },
};

export const networkTaskKinds = [reloadTask];

/**
 * Node network with Proxmox's pending model: create/update/delete stage
 * changes (interfaces.new), GET shows the staged view with `changes`, PUT
 * applies (reload, a task), DELETE reverts.
 */
export const networkHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/network',
    (ctx) => {
      const node = nodeOf(ctx);
      const type = ctx.params.type as string | undefined;
      const list = Object.values(staged(node))
        .filter((i) => !type || i.type === type || (type === 'any_bridge' && i.type === 'bridge'))
        .sort((a, b) => (a.iface < b.iface ? -1 : 1))
        .map((i) => ({ ...listed(i), priority: 1 }));
      // pve-manager adds the diff of interfaces.new to the answer while edits are staged.
      return node.pendingNetwork && Object.keys(node.pendingNetwork).length
        ? new EnvelopedAnswer(list, { changes: stagedChanges(node.network, staged(node)) })
        : list;
    },
  ],
  [
    'POST',
    '/nodes/{node}/network',
    (ctx) => {
      const node = nodeOf(ctx);
      const iface = String(ctx.params.iface);
      if (staged(node)[iface]) throw dieError(`interface '${iface}' already exists`);
      for (const port of split(ctx.params.bridge_ports)) {
        if (!staged(node)[port]) throw dieError(`bridge port '${port}' does not exist`);
      }
      checkAgainstOthers(staged(node), iface, ctx.params);
      node.pendingNetwork = { ...node.pendingNetwork, [iface]: ifaceFrom(ctx.params, { autostart: 1 }) };
      ctx.changed();
      return null;
    },
  ],
  [
    'PUT',
    '/nodes/{node}/network/{iface}',
    (ctx) => {
      const node = nodeOf(ctx);
      const iface = String(ctx.params.iface);
      const current = staged(node)[iface];
      if (!current) throw dieError(`interface '${iface}' does not exist`);
      checkAgainstOthers(staged(node), iface, ctx.params);
      node.pendingNetwork = { ...node.pendingNetwork, [iface]: ifaceFrom(ctx.params, current) };
      ctx.changed();
      return null;
    },
  ],
  [
    'GET',
    '/nodes/{node}/network/{iface}',
    (ctx) => {
      const i = staged(nodeOf(ctx))[String(ctx.params.iface)];
      if (!i) throw dieError(`interface '${String(ctx.params.iface)}' does not exist`);
      return listed(i);
    },
  ],
  [
    'DELETE',
    '/nodes/{node}/network/{iface}',
    (ctx) => {
      const node = nodeOf(ctx);
      const iface = String(ctx.params.iface);
      if (!staged(node)[iface]) throw dieError(`interface '${iface}' does not exist`);
      node.pendingNetwork = { ...node.pendingNetwork, [iface]: null };
      ctx.changed();
      return null;
    },
  ],
  [
    'PUT',
    '/nodes/{node}/network',
    (ctx) => {
      const node = nodeOf(ctx);
      return ctx.tasks.start(
        {
          node: node.name,
          type: 'srvreload',
          id: 'networking',
          user: ctx.actor,
          latencyMs: ctx.latency.network,
        },
        reloadTask,
        { node: node.name },
      );
    },
  ],
  [
    'DELETE',
    '/nodes/{node}/network',
    (ctx) => {
      const node = nodeOf(ctx);
      node.pendingNetwork = undefined;
      ctx.changed();
      return null;
    },
  ],
];
