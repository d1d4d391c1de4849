import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PLAN_VERSION, type Plan } from '../../../lib/contract/plan.ts';
import { type DeployOptions, type DeployReport, deployStacks } from '../../../lib/engine/deploy.ts';
import { desiredResource } from '../../../lib/engine/desired-resource.ts';
import type { Observed } from '../../../lib/engine/handlers/handler.ts';
import { HANDLERS } from '../../../lib/engine/handlers/index.ts';
import type { LoadedAssembly } from '../../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../../lib/engine/secrets/secret-store.ts';
import { startTestEmulator, type TestEmulator } from '../../../lib/sim/index.ts';
import type { EmulatorState } from '../../../lib/sim/state.ts';
import type { EmulatorTask } from '../../../lib/sim/task-runner.ts';
import type { Live, Props } from './coverage.ts';

/** The stack every every-key resource lives in. */
export const STACK = 'keys';

/**
 * One emulator and one stack, deployed through `deployStacks` as the CLI
 * would, with handles on the plan (to change it between deploys), the live
 * objects (read through each type's handler) and the emulator's own view
 * (state, task list, write count).
 */
export interface KeyHarness {
  readonly emulator: TestEmulator;
  /** The emulated cluster's state: for setup (an ISO on a storage) and for what no API read shows. */
  readonly state: EmulatorState;
  readonly secrets: SecretStore;
  /** A resource's plan properties (a copy: change them with `change`). */
  props(id: string): Props;
  /** Changes a resource's plan properties for the next deploy. */
  change(id: string, edit: (p: Props) => void): void;
  /** Adds a resource to the plan (type: the table's own unless given). */
  add(id: string, props: Props, type?: string): void;
  /** Drops a resource from the plan: the next deploy deletes it. */
  remove(id: string): void;
  deploy(options?: Partial<DeployOptions>): Promise<DeployReport>;
  /** Deploys and expects every resource to succeed; `id` must have taken `action`. */
  deployExpecting(id: string, action: string, options?: Partial<DeployOptions>): Promise<DeployReport>;
  /** The live object of a plan resource, read through its handler as a deploy reads it. */
  read(id: string): Promise<Observed | undefined>;
  live(id: string): Promise<Live>;
  /** Write requests the emulator has served so far. */
  writes(): number;
  /** Tasks the emulator ran, of a type (`qmstop`) and for an id (`2001`) when given. */
  tasks(type?: string, id?: string | number): EmulatorTask[];
  /** A second deploy plans no change and makes no write. */
  expectSteady(): Promise<void>;
  close(): Promise<void>;
}

/** Starts an emulator with a stack holding `base` (resources of `type`, by logical id). */
export async function startHarness(type: string, base: Readonly<Record<string, Props>>): Promise<KeyHarness> {
  const emulator = await startTestEmulator({}, { concurrency: 8 });
  const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-keys-state-'));
  const secrets = new SecretStore(mkdtempSync(join(tmpdir(), 'pvecdk-keys-secrets-')), 'default');
  const plan: Plan = {
    version: PLAN_VERSION,
    stack: STACK,
    remote: 'default',
    dependsOn: [],
    resources: {},
    outputs: {},
  };
  const assembly: LoadedAssembly = {
    outdir: stateDir,
    manifest: {
      version: PLAN_VERSION,
      stacks: { [STACK]: { file: `${STACK}.plan.json`, remote: 'default', dependsOn: [], resourceCount: 0 } },
    },
    plans: new Map([[STACK, plan]]),
  };
  const resource = (id: string) => {
    const r = plan.resources[id];
    if (!r) throw new Error(`every-key harness: no resource ${id} in the plan`);
    return r;
  };
  const add = (id: string, props: Props, resourceType = type) => {
    plan.resources[id] = {
      type: resourceType,
      path: `${STACK}/${id}`,
      dependsOn: [],
      properties: clone(props),
    };
  };
  for (const [id, props] of Object.entries(base)) add(id, props);

  const deploy = (options: Partial<DeployOptions> = {}) =>
    deployStacks({
      assembly,
      targets: [STACK],
      api: emulator.api,
      stateDir,
      remote: 'default',
      concurrency: 4,
      secrets,
      retry: { attempts: 2, baseMs: 5, maxMs: 20 },
      // Some keys are applied by replacing the VM, which destroys its disks.
      allowDestroyData: true,
      ...options,
    });
  const read = async (id: string) => {
    const r = resource(id);
    const handler = HANDLERS.get(r.type);
    if (!handler) throw new Error(`every-key harness: ${r.type} has no handler to read ${id} with`);
    const ctx = {
      api: emulator.api,
      inventory: await emulator.api.clusterResources(),
      stack: STACK,
      secrets,
    };
    return handler.read(ctx, desiredResource(handler, id, r, r.properties));
  };
  const writes = () => emulator.server.emulator.stats.writes;
  const state = emulator.server.emulator.state;

  const h: KeyHarness = {
    emulator,
    state,
    secrets,
    props: (id) => clone(resource(id).properties),
    change(id, edit) {
      // A copy: the state keeps the properties last applied, which must not change with the plan.
      const props = clone(resource(id).properties);
      edit(props);
      resource(id).properties = props;
    },
    add,
    remove(id) {
      delete plan.resources[id];
    },
    deploy,
    async deployExpecting(id, action, options) {
      const report = await deploy(options);
      const failed = report.resources.filter((r) => r.status === 'failed' || r.status === 'skipped');
      expect(failed, 'no resource fails').toEqual([]);
      expect(report.ok, 'the deploy succeeds').toBe(true);
      const mine = report.resources.find((r) => r.id === id);
      expect(mine, `${id} is in the report`).toBeDefined();
      expect(
        { action: mine!.action, status: mine!.status },
        `${id}: ${JSON.stringify(mine!.changes)}`,
      ).toEqual({
        action,
        status: 'done',
      });
      return report;
    },
    read,
    async live(id) {
      const observed = await read(id);
      expect(observed, `${id} is live`).toBeDefined();
      return observed!.live;
    },
    writes,
    tasks(taskType, id) {
      return Object.keys(state.nodes)
        .flatMap((node) => emulator.server.emulator.tasks.list(node))
        .filter(
          (t) => (taskType === undefined || t.type === taskType) && (id === undefined || t.id === String(id)),
        );
    },
    async expectSteady() {
      const before = writes();
      const report = await deploy();
      const moved = report.resources
        .filter((r) => r.status !== 'unchanged' && r.status !== 'pending')
        .map((r) => ({ id: r.id, action: r.action, status: r.status, changes: r.changes, error: r.error }));
      expect(moved, 'a second deploy plans no change').toEqual([]);
      expect(writes() - before, 'a second deploy writes nothing').toBe(0);
    },
    close: () => emulator.close(),
  };
  return h;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** A live object without what changes on every write (digests), for "it changed" comparisons. */
export function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'digest')
      .map(([k, v]) => [k, comparable(v)]),
  );
}
