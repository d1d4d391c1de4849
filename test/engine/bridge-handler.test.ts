import { afterEach, describe, expect, it } from 'vitest';
import { applyStagedNetwork, bridgeHandler } from '../../lib/engine/handlers/bridge-handler.ts';
import type { HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { PveApi } from '../../lib/pve/index.ts';
import { startTestEmulator } from '../../lib/sim/index.ts';
import { desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

const lan = (over: Record<string, unknown> = {}) =>
  desired(bridgeHandler, 'platform/Lan/pve1', {
    node_name: 'pve1',
    name: 'vmbr1',
    comment: 'pvecdk lan',
    autostart: true,
    vlan_aware: true,
    ...over,
  });

describe('bridge handler against the emulator', () => {
  it('GIVEN a new bridge WHEN staged and applied once THEN it is active and a re-plan is a no-op', async () => {
    const emulator = await startTestEmulator({});
    running.push(emulator);
    const { server, client } = emulator;
    const api = new PveApi(client, { pollMs: 2 });
    const ctx: HandlerContext = { api, inventory: [], stack: 'platform' };
    const previous = (await api.network('pve1')) as unknown as Array<Record<string, unknown>>;
    expect(await bridgeHandler.read(ctx, lan())).toBeUndefined();
    await bridgeHandler.apply(ctx, lan(), bridgeHandler.diff(lan(), undefined), undefined);
    expect(server.emulator.state.nodes.pve1!.network.vmbr1).toBeUndefined(); // staged only
    await applyStagedNetwork(ctx, 'pve1', previous);
    expect(server.emulator.state.nodes.pve1!.network.vmbr1).toMatchObject({
      type: 'bridge',
      bridge_vlan_aware: 1,
      comments: 'pvecdk lan',
    });
    expect(bridgeHandler.diff(lan(), await bridgeHandler.read(ctx, lan())).action).toBe('no-op');
    const change = bridgeHandler.diff(lan({ vlan_aware: false }), await bridgeHandler.read(ctx, lan()));
    expect(change).toMatchObject({
      action: 'update',
      changes: [{ key: 'vlan_aware', api: 'bridge_vlan_aware', from: '1', to: '0' }],
    });
  });

  it('GIVEN the API stops answering after the reload WHEN applied THEN the previous bridges are restored and the error raised', async () => {
    const emulator = await startTestEmulator({}, { backoff: { attempts: 1, baseMs: 1, maxMs: 1 } });
    running.push(emulator);
    const { server, client } = emulator;
    const api = new PveApi(client, { pollMs: 2 });
    const ctx: HandlerContext = { api, inventory: [], stack: 'platform' };
    const previous = (await api.network('pve1')) as unknown as Array<Record<string, unknown>>;
    await bridgeHandler.apply(ctx, lan(), { action: 'create', changes: [], destroysData: false }, undefined);
    // The check after the reload fails once (as if management were cut), then the API is back.
    let failures = 1;
    server.emulator.requestFault = (req) =>
      req.url.endsWith('/version') && failures-- > 0
        ? { kind: 'status', status: 500, reason: 'management unreachable' }
        : undefined;
    await expect(applyStagedNetwork(ctx, 'pve1', previous)).rejects.toThrow('management unreachable');
    expect(server.emulator.state.nodes.pve1!.network.vmbr1).toBeUndefined();
    expect(server.emulator.state.nodes.pve1!.network.vmbr0).toMatchObject({ bridge_ports: 'eno1' });
  });
});
