import { afterEach, describe, expect, it } from 'vitest';
import { backupJobHandler } from '../../lib/engine/handlers/backup-job-handler.ts';
import { haResourceHandler } from '../../lib/engine/handlers/ha-resource-handler.ts';
import type { DesiredResource, HandlerContext, ResourceHandler } from '../../lib/engine/handlers/handler.ts';
import { PveApi } from '../../lib/pve/index.ts';
import { type RunningEmulator, startTestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup(): Promise<{ server: RunningEmulator; ctx: HandlerContext }> {
  const emulator = await startTestEmulator({});
  running.push(emulator);
  const { server, client } = emulator;
  return { server, ctx: { api: new PveApi(client), inventory: [], stack: 'acme' } };
}

/** Create, then re-plan to no-op, then change one property in place, then delete. */
async function lifecycle(
  handler: ResourceHandler,
  ctx: HandlerContext,
  resource: DesiredResource,
  changed: DesiredResource,
  changedKey: string,
) {
  expect(handler.diff(resource, await handler.read(ctx, resource)).action).toBe('create');
  const attributes = await handler.apply(ctx, resource, handler.diff(resource, undefined), undefined);
  expect(handler.diff(resource, await handler.read(ctx, resource)).action).toBe('no-op');
  const change = handler.diff(changed, await handler.read(ctx, changed));
  expect(change.action).toBe('update');
  expect(change.changes.map((c) => c.key)).toEqual([changedKey]);
  await handler.apply(ctx, changed, change, undefined);
  expect(handler.diff(changed, await handler.read(ctx, changed)).action).toBe('no-op');
  await handler.delete(ctx, applied(handler, resource.path, attributes));
  expect(await handler.read(ctx, resource)).toBeUndefined();
}

describe('backup job and HA handlers against the emulator', () => {
  it('GIVEN a vzdump job WHEN it goes through its lifecycle THEN each step converges', async () => {
    const { ctx } = await setup();
    const job = (schedule: string) =>
      desired(backupJobHandler, 'acme/acme-main/Backup', {
        id: 'pvecdk-acme-main',
        schedule,
        storage: 'nfs-backup',
        vmid: ['9002'],
        mode: 'snapshot',
        compress: 'zstd',
        enabled: true,
        prune_backups: { 'keep-weekly': '4', 'keep-daily': '7' },
      });
    await lifecycle(backupJobHandler, ctx, job('*-*-* 02:30'), job('*-*-* 03:00'), 'schedule');
  });

  it('GIVEN an HA resource WHEN it goes through its lifecycle THEN each step converges', async () => {
    const { ctx } = await setup();
    const ha = (maxRestart: number) =>
      desired(haResourceHandler, 'globex/globex-main/Ha', {
        resource_id: 'vm:9002',
        state: 'started',
        max_restart: maxRestart,
      });
    await lifecycle(haResourceHandler, ctx, ha(1), ha(3), 'max_restart');
  });
});
