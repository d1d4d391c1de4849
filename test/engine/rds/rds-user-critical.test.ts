import { afterEach, describe, expect, it } from 'vitest';
import { Customer } from '../../../lib/constructs/index.ts';
import { applyWithSafetySnapshot, type CriticalStep } from '../../../lib/engine/critical-change.ts';
import type { EngineError } from '../../../lib/engine/engine-errors.ts';
import type { HandlerContext, ResourceHandler } from '../../../lib/engine/handlers/handler.ts';
import { rdsUserHandler } from '../../../lib/engine/handlers/rds-user-handler.ts';
import { SEED_TEMPLATES, startTestEmulator, type TestEmulator } from '../../../lib/sim/index.ts';
import { testPlatform } from '../../constructs/fixtures.ts';
import { FakeWindowsHost } from './fake-windows-host.ts';
import { context, RDS_VM, rdsResources } from './rds-driver.ts';

/**
 * The per-user Windows Firewall fence is a critical change of the RDS host:
 * the plan marks every RDS user critical, and a change whose verify does not
 * hold (the account's rules gone when read back) rolls the RDS host back to
 * the snapshot taken before it. The VM and its snapshots are the emulator's;
 * the inside of the RDS host is the fake Windows host.
 */

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

function aliceResource() {
  const { app, platform } = testPlatform();
  new Customer(platform, 'acme', {
    number: 1,
    servers: [{ name: 'acme-main', address: '10.20.1.50' }],
    users: [{ name: 'acme.alice', fullName: 'Alice Martin', vpn: true, servers: ['acme-main'] }],
  });
  const plan = app.synth({ write: false }).plans.get('acme')!;
  const planned = rdsResources(app, 'acme').find((r) => r.path === 'acme/acme.alice/RdsUser')!;
  return { planned, entry: plan.resources[planned.id]! };
}

describe('the RDS user fence as a critical change', () => {
  it('GIVEN an RDS user WHEN synthesized THEN it is critical with a snapshot retention, as VPN users and the router config are', () => {
    const { entry } = aliceResource();
    expect(entry).toMatchObject({ critical: true, snapshotRetention: 5 });
  });

  it('GIVEN a fence that does not hold when read back WHEN the account is changed THEN the RDS host is rolled back to the snapshot taken before, and the error says what differed', async () => {
    const emulator = await startTestEmulator({}, { backoff: { attempts: 2, baseMs: 1, maxMs: 2 } });
    running.push(emulator);
    await emulator.api.cloneQemu(RDS_VM.node_name, SEED_TEMPLATES.windowsServer, {
      newid: RDS_VM.vm_id,
      full: true,
      name: 'rds',
    });
    await emulator.api.setQemuConfig(RDS_VM.node_name, RDS_VM.vm_id, { tags: 'before' });
    const host = new FakeWindowsHost();
    const ctx: HandlerContext = {
      ...context(host).ctx,
      api: emulator.api,
      inventory: await emulator.api.clusterResources(),
    };
    // Something on the host takes the fence away right after the change (a policy, a hand): verify reads it back.
    const handler = {
      ...rdsUserHandler,
      async apply(...args: Parameters<typeof rdsUserHandler.apply>) {
        const attributes = await rdsUserHandler.apply(...args);
        await emulator.api.setQemuConfig(RDS_VM.node_name, RDS_VM.vm_id, { tags: 'after' });
        host.rules.clear();
        return attributes;
      },
    } as unknown as ResourceHandler;
    const { planned } = aliceResource();
    const desired = {
      id: planned.id,
      type: planned.type,
      path: planned.path,
      props: rdsUserHandler.contract.plan.parse({
        ...planned.properties,
        target: { ...(planned.properties.target as Record<string, unknown>), ...RDS_VM },
      }),
    };
    const steps: string[] = [];
    const error = await applyWithSafetySnapshot(
      ctx,
      handler,
      desired,
      { action: 'create', changes: [], destroysData: false },
      undefined,
      { critical: true, onStep: (step: CriticalStep, d) => steps.push(`${step}:${d.outcome}`) },
    ).then(
      () => undefined,
      (e: unknown) => e as EngineError,
    );
    expect(error?.code).toBe('ENGINE_CRITICAL_ROLLED_BACK');
    expect(error?.message).toContain('acme/acme.alice/RdsUser: the critical change failed to verify');
    expect(error?.message).toContain('these still differ: outbound_rules[0], outbound_rules[1]');
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
    // The VM is back to what the snapshot holds.
    expect(emulator.server.emulator.state.vms[RDS_VM.vm_id]!.config.tags).toBe('before');
  }, 60_000);
});
