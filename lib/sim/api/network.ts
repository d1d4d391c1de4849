import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import type { EmulatorNetIface, EmulatorNode } from '../state.ts';
import { type TaskKind, workerDie } from '../task-runner.ts';

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

function ifaceFrom(params: Record<string, unknown>, base: Partial<EmulatorNetIface> = {}): EmulatorNetIface {
  const out: EmulatorNetIface = {
    ...base,
    iface: String(params.iface),
    type: String(params.type ?? base.type),
  } as EmulatorNetIface;
  for (const key of [
    'autostart',
    'bridge_ports',
    'bridge_vlan_aware',
    'cidr',
    'gateway',
    'comments',
  ] as const) {
    if (params[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = params[key];
  }
  for (const key of String(params.delete ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean))
    delete (out as unknown as Record<string, unknown>)[key];
  return out;
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
      return Object.values(staged(node))
        .filter((i) => !type || i.type === type || (type === 'any_bridge' && i.type === 'bridge'))
        .sort((a, b) => (a.iface < b.iface ? -1 : 1))
        .map((i) => ({
          ...i,
          families: ['inet'],
          method: i.cidr ? 'static' : 'manual',
          method6: 'manual',
          priority: 1,
        }));
    },
  ],
  [
    'POST',
    '/nodes/{node}/network',
    (ctx) => {
      const node = nodeOf(ctx);
      const iface = String(ctx.params.iface);
      if (staged(node)[iface]) throw dieError(`interface '${iface}' already exists`);
      for (const port of String(ctx.params.bridge_ports ?? '')
        .split(/\s+/)
        .filter(Boolean)) {
        if (!staged(node)[port]) throw dieError(`bridge port '${port}' does not exist`);
      }
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
      return { ...i, families: ['inet'], method: i.cidr ? 'static' : 'manual', method6: 'manual' };
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
