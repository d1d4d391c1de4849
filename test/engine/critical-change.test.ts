import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlanType } from '../../lib/contract/index.ts';
import {
  applyWithSafetySnapshot,
  type CriticalChangeOptions,
  type CriticalStep,
  type CriticalStepDetail,
  snapshotName,
  snapshotTag,
} from '../../lib/engine/critical-change.ts';
import type { EngineError } from '../../lib/engine/engine-errors.ts';
import {
  type DesiredResource,
  defineHandler,
  type HandlerContext,
  type ResourceHandler,
} from '../../lib/engine/handlers/handler.ts';
import { SEED_TEMPLATES, startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

const VMID = 4100;
const OWN_SNAPSHOT = /^pvecdk-[0-9a-f]{8}-\d{8}-\d{6}-\d{3}$/;

/** An emulator with one VM cloned from the Debian template, stopped unless asked. */
async function setup(
  vm: { started?: boolean } = {},
): Promise<TestEmulator & { ctx: () => Promise<HandlerContext> }> {
  // Few, short retries: a locked VM should fail the test quickly, not after the default backoff.
  const emulator = await startTestEmulator({}, { backoff: { attempts: 2, baseMs: 1, maxMs: 2 } });
  running.push(emulator);
  const { api } = emulator;
  await api.cloneQemu('pve1', SEED_TEMPLATES.debian, { newid: VMID, full: true, name: 'router' });
  await api.setQemuConfig('pve1', VMID, { tags: 'setting-v0' });
  if (vm.started) await api.qemuPower('pve1', VMID, 'start');
  return { ...emulator, ctx: async () => ({ api, inventory: await api.clusterResources(), stack: 'acme' }) };
}

/**
 * Stands in for a guest handler (pfSense config, VPN user): its change is the
 * VM's `tags`, something a snapshot holds and a rollback restores on real
 * Proxmox too (unlike `description`, which a rollback keeps). It fails on demand.
 */
const settingType = definePlanType({
  type: 'pvecdk_test_setting',
  typeName: 'TestSetting',
  properties: () => z.strictObject({ node_name: z.string(), vm_id: z.number(), setting: z.string() }),
  attributes: { node_name: 'the node', vm_id: 'the VM', setting: 'the setting' },
});

function settingHandler(fail: { apply?: boolean; verify?: boolean } = {}) {
  const calls = { apply: 0, verify: 0 };
  const handler = defineHandler({
    contract: settingType,
    locks: (r) => [`vm:${r.props.vm_id}`],
    read: async () => undefined,
    diff: () => ({ action: 'update', changes: [], destroysData: false }),
    async apply(ctx, r) {
      calls.apply += 1;
      const { node_name: node, vm_id: vmid, setting } = r.props;
      await ctx.api.setQemuConfig(node, vmid, { tags: setting });
      if (fail.apply) throw new Error('reload of the setting crashed half-way');
      return { node_name: node, vm_id: vmid, setting };
    },
    async verify(ctx, r, attributes) {
      calls.verify += 1;
      const live = await ctx.api.qemuConfig(String(attributes.node_name), Number(attributes.vm_id));
      if (fail.verify) throw new Error('the guest still serves the old setting');
      if (live.tags !== r.props.setting)
        throw new Error(`setting is ${String(live.tags)}, expected ${r.props.setting}`);
    },
    delete: async () => {},
    requirements: () => [],
    snapshotTarget: (r) => ({ node: r.props.node_name, vmid: r.props.vm_id }),
  }) as ResourceHandler;
  return { handler, calls };
}

const setting = (value: string, id = 'RouterSetting'): DesiredResource => ({
  id,
  type: 'pvecdk_test_setting',
  path: `acme/Router/${id}`,
  props: { node_name: 'pve1', vm_id: VMID, setting: value },
});

const update = { action: 'update', changes: [], destroysData: false } as const;

function recorder(): { steps: string[]; options: CriticalChangeOptions } {
  const steps: string[] = [];
  const onStep = (step: CriticalStep, d: CriticalStepDetail) => steps.push(`${step}:${d.outcome}`);
  return { steps, options: { critical: true, onStep } };
}

async function ownSnapshots(e: TestEmulator): Promise<string[]> {
  return (await e.api.snapshots('pve1', VMID)).map((s) => s.name).filter((n) => OWN_SNAPSHOT.test(n));
}

const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((x: unknown) => x as EngineError);

describe('snapshot names', () => {
  it('GIVEN a stack and a resource WHEN named THEN the tag is stable and the name is a valid Proxmox snapshot name', () => {
    const tag = snapshotTag('acme', 'RouterConfig');
    expect(tag).toBe(snapshotTag('acme', 'RouterConfig'));
    expect(tag).not.toBe(snapshotTag('globex', 'RouterConfig'));
    const name = snapshotName(tag, new Date(Date.UTC(2026, 7, 1, 12, 3, 4, 56)));
    expect(name).toBe(`pvecdk-${tag}-20260801-120304-056`);
    expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{1,39}$/);
  });
});

describe('critical change against the emulator', () => {
  it('GIVEN a critical change WHEN it applies and verifies THEN one pvecdk snapshot of the state before exists and the change holds', async () => {
    const e = await setup();
    const { handler, calls } = settingHandler();
    const { steps, options } = recorder();
    const attributes = await applyWithSafetySnapshot(
      await e.ctx(),
      handler,
      setting('setting-v1'),
      update,
      undefined,
      options,
    );
    expect(attributes).toEqual({ node_name: 'pve1', vm_id: VMID, setting: 'setting-v1' });
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v1');
    const [snapshot] = await ownSnapshots(e);
    expect(await ownSnapshots(e)).toHaveLength(1);
    expect(snapshot).toContain(snapshotTag('acme', 'RouterSetting'));
    const stored = e.server.emulator.state.vms[VMID]!.snapshots[snapshot!]!;
    expect(stored.config.tags).toBe('setting-v0');
    expect(stored.description).toContain('acme/Router/RouterSetting');
    expect(stored.description).toContain('stack acme');
    expect(calls).toEqual({ apply: 1, verify: 1 });
    expect(steps).toEqual([
      'snapshot:started',
      'snapshot:done',
      'apply:started',
      'apply:done',
      'verify:started',
      'verify:done',
    ]);
  });

  it('GIVEN a running VM WHEN the verify fails THEN the VM is rolled back, running again, and the error names the resource and snapshot', async () => {
    const e = await setup({ started: true });
    const { handler } = settingHandler({ verify: true });
    const { steps, options } = recorder();
    const error = await failure(
      applyWithSafetySnapshot(await e.ctx(), handler, setting('setting-v1'), update, undefined, options),
    );
    const [snapshot] = await ownSnapshots(e);
    expect(error?.code).toBe('ENGINE_CRITICAL_ROLLED_BACK');
    expect(error?.message).toContain('acme/Router/RouterSetting: the critical change failed to verify');
    expect(error?.message).toContain('the guest still serves the old setting');
    expect(error?.message).toContain(`rolled back to snapshot ${snapshot}`);
    const vm = e.server.emulator.state.vms[VMID]!;
    expect(vm.config.tags).toBe('setting-v0');
    expect(vm.status).toBe('running');
    expect(steps).toEqual([
      'snapshot:started',
      'snapshot:done',
      'apply:started',
      'apply:done',
      'verify:started',
      'verify:failed',
      'rollback:started',
      'rollback:done',
    ]);
  });

  it('GIVEN an apply that throws after a partial change WHEN applied THEN the VM is rolled back too and verify never runs', async () => {
    const e = await setup();
    const { handler, calls } = settingHandler({ apply: true });
    const error = await failure(
      applyWithSafetySnapshot(await e.ctx(), handler, setting('setting-v1'), update, undefined, {
        critical: true,
      }),
    );
    expect(error?.code).toBe('ENGINE_CRITICAL_ROLLED_BACK');
    expect(error?.message).toContain(
      'acme/Router/RouterSetting: the critical change failed to apply: reload of the setting crashed half-way',
    );
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v0');
    expect(e.server.emulator.state.vms[VMID]!.status).toBe('stopped');
    expect(calls).toEqual({ apply: 1, verify: 0 });
  });

  it('GIVEN a rollback the server refuses WHEN the verify fails THEN the error says the rollback failed too, names the snapshot and what to do', async () => {
    const e = await setup();
    e.server.faults.configure({
      rules: [{ method: 'POST', path: '/snapshot/[^/]+/rollback$', rate: 1, fault: 'server-error' }],
    });
    const { handler } = settingHandler({ verify: true });
    const { steps, options } = recorder();
    const error = await failure(
      applyWithSafetySnapshot(await e.ctx(), handler, setting('setting-v1'), update, undefined, options),
    );
    const [snapshot] = await ownSnapshots(e);
    expect(error?.code).toBe('ENGINE_CRITICAL_ROLLBACK_FAILED');
    expect(error?.message).toContain('acme/Router/RouterSetting: the critical change failed to verify');
    expect(error?.message).toContain(`the rollback to snapshot ${snapshot} ALSO failed`);
    expect(error?.message).toContain('emulated server error');
    expect(error?.hint).toContain(`qm rollback ${VMID} ${snapshot}`);
    // Left as the failed change left it, with the snapshot kept for the operator.
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v1');
    expect(steps.slice(-2)).toEqual(['rollback:started', 'rollback:failed']);
  });

  it('GIVEN a VM locked by a backup WHEN a critical change is applied THEN the snapshot fails and nothing is changed', async () => {
    const e = await setup();
    e.server.emulator.state.vms[VMID]!.lock = 'backup';
    const { handler, calls } = settingHandler();
    const error = await failure(
      applyWithSafetySnapshot(await e.ctx(), handler, setting('setting-v1'), update, undefined, {
        critical: true,
      }),
    );
    expect(error?.code).toBe('ENGINE_CRITICAL_SNAPSHOT_FAILED');
    expect(error?.message).toContain(`acme/Router/RouterSetting: could not snapshot VM ${VMID} on pve1`);
    expect(error?.message).toContain('VM is locked (backup)');
    expect(calls.apply).toBe(0);
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v0');
  });

  it('GIVEN a retention of 2 WHEN 4 critical changes succeed THEN only the 2 newest pvecdk snapshots of that resource remain and other snapshots are untouched', async () => {
    const e = await setup();
    const { handler } = settingHandler();
    await e.api.createSnapshot('pve1', VMID, 'before-upgrade', 'made by hand');
    // Another resource on the same VM: its snapshots are its own retention's business.
    await applyWithSafetySnapshot(await e.ctx(), handler, setting('other', 'VpnUser'), update, undefined, {
      critical: true,
    });
    let minute = 0;
    const now = () => {
      minute += 1;
      return new Date(Date.UTC(2026, 7, 1, 12, minute));
    };
    const pruned: string[] = [];
    for (const value of ['setting-v1', 'setting-v2', 'setting-v3', 'setting-v4'])
      await applyWithSafetySnapshot(await e.ctx(), handler, setting(value), update, undefined, {
        critical: true,
        retention: 2,
        now,
        onStep: (step, d) => {
          if (step === 'prune' && d.outcome === 'done') pruned.push(d.snapshot!);
        },
      });
    const tag = snapshotTag('acme', 'RouterSetting');
    const names = (await e.api.snapshots('pve1', VMID)).map((s) => s.name).filter((n) => n !== 'current');
    expect(names.filter((n) => n.includes(tag)).sort()).toEqual([
      snapshotName(tag, new Date(Date.UTC(2026, 7, 1, 12, 3))),
      snapshotName(tag, new Date(Date.UTC(2026, 7, 1, 12, 4))),
    ]);
    expect(pruned).toEqual([
      snapshotName(tag, new Date(Date.UTC(2026, 7, 1, 12, 1))),
      snapshotName(tag, new Date(Date.UTC(2026, 7, 1, 12, 2))),
    ]);
    expect(names).toContain('before-upgrade');
    expect(names.filter((n) => n.includes(snapshotTag('acme', 'VpnUser')))).toHaveLength(1);
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v4');
  });

  it('GIVEN a non-critical change, or a handler naming no VM WHEN applied THEN it is applied and verified without a snapshot', async () => {
    const e = await setup();
    const { handler, calls } = settingHandler();
    await applyWithSafetySnapshot(await e.ctx(), handler, setting('setting-v1'), update, undefined, {
      critical: false,
    });
    const { snapshotTarget: _, ...withoutTarget } = handler;
    const { steps, options } = recorder();
    await applyWithSafetySnapshot(
      await e.ctx(),
      withoutTarget,
      setting('setting-v2'),
      update,
      undefined,
      options,
    );
    expect(await e.api.snapshots('pve1', VMID)).toEqual([expect.objectContaining({ name: 'current' })]);
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v2');
    expect(calls).toEqual({ apply: 2, verify: 2 });
    // A critical change applied unguarded is said so, never silently.
    expect(steps).toEqual(['snapshot:skipped']);
  });

  it('GIVEN a non-critical change whose verify fails WHEN applied THEN the error is the handler own and nothing is rolled back', async () => {
    const e = await setup();
    const { handler } = settingHandler({ verify: true });
    const error = await failure(
      applyWithSafetySnapshot(await e.ctx(), handler, setting('setting-v1'), update, undefined),
    );
    expect((error as Error | undefined)?.message).toBe('the guest still serves the old setting');
    expect(e.server.emulator.state.vms[VMID]!.config.tags).toBe('setting-v1');
  });
});
