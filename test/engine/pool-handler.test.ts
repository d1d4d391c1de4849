import { afterEach, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { poolHandler } from '../../lib/engine/handlers/pool-handler.ts';
import { PveApi } from '../../lib/pve/index.ts';
import { startTestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

describe('pool handler against the emulator', () => {
  it('GIVEN a pool WHEN created, re-planned, changed and deleted THEN each step does what it says', async () => {
    const emulator = await startTestEmulator({});
    running.push(emulator);
    const { server, client } = emulator;
    const api = new PveApi(client);
    const ctx = async (): Promise<HandlerContext> => ({
      api,
      inventory: await api.clusterResources(),
      stack: 'acme',
    });
    const pool = (comment: string) =>
      desired(poolHandler, 'acme/Pool', { pool_id: 'customer-acme', comment });
    expect(poolHandler.diff(pool('acme'), await poolHandler.read(await ctx(), pool('acme'))).action).toBe(
      'create',
    );
    await poolHandler.apply(
      await ctx(),
      pool('acme'),
      { action: 'create', changes: [], destroysData: false },
      undefined,
    );
    expect(poolHandler.diff(pool('acme'), await poolHandler.read(await ctx(), pool('acme'))).action).toBe(
      'no-op',
    );
    const change = poolHandler.diff(
      pool('Acme Corp'),
      await poolHandler.read(await ctx(), pool('Acme Corp')),
    );
    expect(change).toMatchObject({
      action: 'update',
      changes: [{ key: 'comment', from: 'acme', to: 'Acme Corp' }],
    });
    await poolHandler.apply(await ctx(), pool('Acme Corp'), change, undefined);
    expect(server.emulator.state.pools['customer-acme']?.comment).toBe('Acme Corp');
    await poolHandler.delete(await ctx(), applied(poolHandler, 'acme/Pool', { pool_id: 'customer-acme' }));
    expect(server.emulator.state.pools['customer-acme']).toBeUndefined();
  });
});
