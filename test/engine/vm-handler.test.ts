import { afterEach, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { vmHandler } from '../../lib/engine/handlers/vm-handler.ts';
import { PveApi } from '../../lib/pve/index.ts';
import { type RunningEmulator, startTestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup(): Promise<{ server: RunningEmulator; ctx: () => Promise<HandlerContext> }> {
  const emulator = await startTestEmulator({});
  running.push(emulator);
  const { server, client } = emulator;
  const api = new PveApi(client, { pollMs: 2, maxPollMs: 5 });
  // Each deploy reads the inventory once.
  return { server, ctx: async () => ({ api, inventory: await api.clusterResources(), stack: 'acme' }) };
}

const dbVm = (over: Record<string, unknown> = {}) =>
  desired(vmHandler, 'acme/acme-main/Guest/Vm', {
    node_name: 'pve1',
    vm_id: 1042,
    name: 'acme-main',
    tags: ['4d-server', 'customer-acme'],
    on_boot: true,
    clone: { vm_id: 9001, full: true, datastore_id: 'local-lvm' },
    cpu: { cores: 4, type: 'x86-64-v2-AES' },
    memory: { dedicated: 8192 },
    agent: { enabled: true },
    disk: [{ interface: 'scsi1', datastore_id: 'local-lvm', size: 100, iothread: true, discard: 'on' }],
    network_device: [{ bridge: 'vmbr1', model: 'virtio', mac_address: 'BC:24:11:0A:0B:0C', firewall: true }],
    initialization: {
      datastore_id: 'local-lvm',
      ip_config: [{ ipv4: { address: '10.20.1.42/16', gateway: '10.20.0.1' } }],
    },
    ...over,
  });

describe('VM handler against the emulator', () => {
  it('GIVEN a new VM WHEN planned and applied THEN it is cloned, configured, tagged, started, and a re-plan is a no-op', async () => {
    const { server, ctx } = await setup();
    const first = await ctx();
    expect(await vmHandler.read(first, dbVm())).toBeUndefined();
    const change = vmHandler.diff(dbVm(), undefined);
    expect(change.action).toBe('create');
    const attributes = await vmHandler.apply(first, dbVm(), change, undefined);
    expect(attributes).toEqual({ vm_id: 1042, node_name: 'pve1', mac_addresses: ['BC:24:11:0A:0B:0C'] });
    const vm = server.emulator.state.vms[1042]!;
    expect(vm.status).toBe('running');
    expect(vm.config).toMatchObject({
      cores: 4,
      memory: '8192',
      tags: '4d-server;customer-acme;pvecdk;pvecdk-acme',
      scsi1: 'local-lvm:vm-1042-disk-1,discard=on,iothread=1,size=100G',
    });

    const writesBefore = server.emulator.stats.writes;
    const again = await ctx();
    const observed = await vmHandler.read(again, dbVm());
    expect(vmHandler.diff(dbVm(), observed)).toEqual({ action: 'no-op', changes: [], destroysData: false });
    expect(server.emulator.stats.writes).toBe(writesBefore);
  });

  it('GIVEN more cores in the plan WHEN planned THEN it is an in-place update that applies', async () => {
    const { server, ctx } = await setup();
    const c = await ctx();
    await vmHandler.apply(c, dbVm(), vmHandler.diff(dbVm(), undefined), undefined);
    const bigger = dbVm({ cpu: { cores: 8, type: 'x86-64-v2-AES' } });
    const observed = await vmHandler.read(await ctx(), bigger);
    const change = vmHandler.diff(bigger, observed);
    expect(change).toMatchObject({
      action: 'update',
      destroysData: false,
      changes: [{ key: 'cpu.cores', api: 'cores', from: 4, to: 8, forcesReplacement: false }],
    });
    await vmHandler.apply(await ctx(), bigger, change, observed);
    // The VM runs, so cores wait in pending; GET config shows them (pending applied), so the next plan is clean.
    expect(server.emulator.state.vms[1042]!.pending).toEqual({ cores: 8 });
    expect(vmHandler.diff(bigger, await vmHandler.read(await ctx(), bigger)).action).toBe('no-op');
  });

  it('GIVEN a smaller data disk WHEN planned THEN replacement is required and marked as destroying data', async () => {
    const { ctx } = await setup();
    const c = await ctx();
    await vmHandler.apply(c, dbVm(), vmHandler.diff(dbVm(), undefined), undefined);
    const smaller = dbVm({
      disk: [{ interface: 'scsi1', datastore_id: 'local-lvm', size: 50, iothread: true, discard: 'on' }],
    });
    const change = vmHandler.diff(smaller, await vmHandler.read(await ctx(), smaller));
    expect(change.action).toBe('replace');
    expect(change.destroysData).toBe(true);
    expect(change.changes.find((x) => x.key === 'disk[0]')).toMatchObject({
      api: 'scsi1',
      forcesReplacement: true,
    });
  });

  it('GIVEN a VM WHEN deleted THEN it is stopped and destroyed', async () => {
    const { server, ctx } = await setup();
    const attributes = await vmHandler.apply(
      await ctx(),
      dbVm(),
      vmHandler.diff(dbVm(), undefined),
      undefined,
    );
    await vmHandler.delete(await ctx(), applied(vmHandler, 'acme/acme-main/Vm', attributes));
    expect(server.emulator.state.vms[1042]).toBeUndefined();
    // A full clone holds the target storage (a template takes any number of clones); an update only its node.
    expect(vmHandler.locks(dbVm(), { action: 'create', changes: [], destroysData: false })).toEqual([
      'node:pve1',
      'storage:local-lvm',
    ]);
    expect(vmHandler.locks(dbVm(), { action: 'update', changes: [], destroysData: false })).toEqual([
      'node:pve1',
    ]);
  });
});
