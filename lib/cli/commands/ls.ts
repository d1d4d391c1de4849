import { existsSync, statSync } from 'node:fs';
import { Cluster } from '../../constructs/cluster.ts';
import type { PoolUsage } from '../../constructs/private/identity/identity-registry.ts';
import type { LockHolder } from '../../engine/deploy-lock.ts';
import { loadAssembly } from '../../engine/plan-loader.ts';
import { crossStackUses, deployedUsersOf, type StackUse } from '../../engine/stack-uses.ts';
import type { ProjectConfig } from '../config.ts';
import { isRemoteConfigured } from '../remote-state.ts';
import { type LoadedStackFile, loadStackFile } from '../stack-file.ts';
import { withStateBackend } from '../state-backend-for.ts';
import { synthStackFile } from './synth.ts';

export interface StackListing {
  readonly stack: string;
  /** Defined by the file itself (deploy/destroy target it), not only depended on. */
  readonly target: boolean;
  readonly remote: string;
  /** `emulator` when no remote of that name is configured. */
  readonly remoteKind: 'configured' | 'emulator';
  /** The stacks it deploys after and those whose resources its plan references or uses by value. */
  readonly dependsOn: readonly string[];
  /** What its plan uses of other stacks: each reference and use by value, by resource and property. */
  readonly uses: readonly StackUse[];
  /**
   * The stacks that use it: those of the loaded files whose plans do, and the deployed stacks whose
   * state records a use of it (another file's customer with a shortcut to its server).
   */
  readonly usedBy: readonly string[];
  readonly planned: number;
  readonly deployed: number;
  readonly status: 'not deployed' | 'deployed' | 'locked';
  readonly lastChange: string | undefined;
  /** The deploy changing the stack now (its exclusive holder). */
  readonly lockedBy: string | undefined;
  /** Deploys reading the stack now (shared holders: runs of stacks that depend on it). */
  readonly readBy: readonly string[];
}

/** How full one identity pool is (or, for a group, its fullest member). */
export interface PoolListing {
  readonly pool: string;
  readonly used: number;
  readonly size: number;
  /** How many pools of the group there are (one per customer), when it stands for a group. */
  readonly of?: number;
  readonly widenedBy: string;
}

export interface Listing {
  readonly stacks: StackListing[];
  readonly pools: PoolListing[];
}

const describeHolder = (h: LockHolder) =>
  `${h.command} (pid ${h.pid} on ${h.hostname}, since ${h.startedAt})`;

/**
 * `pvecdk ls`: the file's stacks and those they depend on, with what the
 * local state says of each (no call to the remote: it answers instantly and
 * offline; `diff` tells what the remote really has).
 */
export async function listStacks(o: {
  readonly file: string | readonly string[];
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly outdir: string;
  readonly remote: string | undefined;
}): Promise<Listing> {
  const loaded = await loadStackFile(o.file, o.cwd);
  synthStackFile(loaded, o.outdir);
  const assembly = loadAssembly(o.outdir);
  const targets = new Set(loaded.targets.map((s) => s.stackName));
  const usesOf = new Map(
    [...assembly.plans.values()].map((p) => [p.stack, crossStackUses(p, assembly.plans)]),
  );
  const dependsOnOf = (stack: string) => {
    const plan = assembly.plans.get(stack)!;
    return [...new Set([...plan.dependsOn, ...usesOf.get(stack)!.map((u) => u.stack)])].sort();
  };
  const plans = [...assembly.plans.values()].sort((a, b) => (a.stack < b.stack ? -1 : 1));
  const stacks: StackListing[] = [];
  for (const plan of plans) {
    const remote = o.remote ?? plan.remote;
    const listing = await withStateBackend(o.config, remote, o.cwd, async (backend) => {
      const state = await backend.open(remote, plan.stack);
      const deployed = Object.keys(state.state.resources).length;
      const holders = await backend.lockHolders(remote, plan.stack);
      const lock = holders.find((h) => h.mode === 'exclusive');
      const planned = Object.keys(plan.resources).length;
      const usedBy = new Set([
        ...[...assembly.plans.keys()].filter((other) => dependsOnOf(other).includes(plan.stack)),
        ...(await deployedUsersOf(backend, remote, [plan.stack])).map((u) => u.stack),
      ]);
      return {
        stack: plan.stack,
        target: targets.has(plan.stack),
        remote,
        remoteKind: isRemoteConfigured(o.config, remote) ? 'configured' : 'emulator',
        dependsOn: dependsOnOf(plan.stack),
        uses: usesOf.get(plan.stack)!,
        usedBy: [...usedBy].sort(),
        planned,
        deployed,
        status: lock ? 'locked' : deployed === 0 ? 'not deployed' : 'deployed',
        // A local file's time; a backend's row has none of its own, its last applied plan does.
        lastChange: existsSync(state.file)
          ? statSync(state.file).mtime.toISOString()
          : (await backend.history(remote, plan.stack)).at(-1)?.appliedAt,
        lockedBy: lock ? describeHolder(lock) : undefined,
        readBy: holders.filter((h) => h.mode === 'shared').map(describeHolder),
      } satisfies StackListing;
    });
    stacks.push(listing);
  }
  return { stacks, pools: identityPools(loaded) };
}

/**
 * How full the identity pools are: every shared pool (tunnel addresses,
 * platform VM ids, customer numbers), and for the pools each customer has
 * one of, the fullest.
 */
function identityPools(loaded: LoadedStackFile): PoolListing[] {
  const usage = loaded.app.node
    .findAll()
    .filter((c): c is Cluster => c instanceof Cluster)
    .flatMap((c) => c.identities.usage());
  const out: PoolListing[] = [];
  const groups = new Map<string, PoolUsage[]>();
  for (const u of usage) {
    if (u.group === undefined)
      out.push({ pool: u.describe, used: u.used, size: u.size, widenedBy: u.widenedBy });
    else groups.set(u.group, [...(groups.get(u.group) ?? []), u]);
  }
  for (const [group, members] of groups) {
    const fullest = members.reduce((a, b) => (b.used / b.size > a.used / a.size ? b : a));
    out.push({
      pool: `${group} (fullest: ${fullest.describe})`,
      used: fullest.used,
      size: fullest.size,
      of: members.length,
      widenedBy: fullest.widenedBy,
    });
  }
  return out.sort((a, b) => b.used / b.size - a.used / a.size || (a.pool < b.pool ? -1 : 1));
}

const percent = (used: number, size: number) => `${Math.round((100 * used) / size)}%`;

/** The pools as lines under the stacks table. */
export function formatPools(pools: readonly PoolListing[]): string {
  if (!pools.length) return '';
  const rows = pools.map((p) => [
    p.pool,
    `${p.used}/${p.size}`,
    percent(p.used, p.size),
    `widen: ${p.widenedBy}`,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [
    'IDENTITY POOLS',
    ...rows.map(
      (r) =>
        `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}  ${r[3]}`,
    ),
  ].join('\n');
}

export function formatListing(rows: readonly StackListing[]): string {
  const table = [
    ['STACK', 'REMOTE', 'STATUS', 'RESOURCES', 'DEPENDS ON', 'USED BY', 'LAST CHANGE'],
    ...rows.map((r) => [
      `${r.stack}${r.target ? '' : ' (dependency)'}`,
      `${r.remote}${r.remoteKind === 'emulator' ? ' (emulator)' : ''}`,
      r.lockedBy
        ? `locked by ${r.lockedBy}`
        : r.readBy.length
          ? `${r.status}, read by ${r.readBy.join(' and ')}`
          : r.status,
      `${r.deployed} deployed / ${r.planned} planned`,
      r.dependsOn.join(', ') || '-',
      r.usedBy.join(', ') || '-',
      r.lastChange ?? '-',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
