import { afterEach, describe, expect, it } from 'vitest';
import {
  firewallAliasHandler,
  firewallIpsetHandler,
} from '../../lib/engine/handlers/firewall-object-handlers.ts';
import type { DesiredResource, HandlerContext, ResourceHandler } from '../../lib/engine/handlers/handler.ts';
import { HANDLERS } from '../../lib/engine/handlers/index.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function context(): Promise<{ ctx: () => Promise<HandlerContext>; emulator: TestEmulator }> {
  const emulator = await startTestEmulator();
  running.push(emulator);
  return {
    emulator,
    ctx: async () => ({ api: emulator.api, inventory: await emulator.api.clusterResources(), stack: 'acme' }),
  };
}

async function converge(handler: ResourceHandler, ctx: HandlerContext, resource: DesiredResource) {
  const observed = await handler.read(ctx, resource);
  const change = handler.diff(resource, observed);
  if (change.action !== 'no-op') await handler.apply(ctx, resource, change, observed);
  return change;
}

const resource = (type: string, properties: Record<string, unknown>): DesiredResource<never> =>
  desired(HANDLERS.get(type)!, `acme/${type}`, properties) as DesiredResource<never>;

describe('firewall alias and IP set handlers against the emulator', () => {
  it('GIVEN an alias WHEN created, re-planned, changed and deleted THEN each step does what it says', async () => {
    const { ctx, emulator } = await context();
    const alias = (cidr: string) =>
      resource('proxmox_virtual_environment_firewall_alias', { name: 'Office', cidr, comment: 'HQ' });
    expect((await converge(firewallAliasHandler, await ctx(), alias('198.51.100.0/24'))).action).toBe(
      'create',
    );
    // Proxmox lists the name in lower case: still the same alias.
    expect((await converge(firewallAliasHandler, await ctx(), alias('198.51.100.0/24'))).action).toBe(
      'no-op',
    );
    const change = await converge(firewallAliasHandler, await ctx(), alias('203.0.113.0/24'));
    expect(change).toMatchObject({
      action: 'update',
      changes: [{ key: 'cidr', from: '198.51.100.0/24', to: '203.0.113.0/24' }],
    });
    expect(emulator.server.emulator.state.firewall?.cluster?.aliases.office?.cidr).toBe('203.0.113.0/24');
    await firewallAliasHandler.delete(
      await ctx(),
      applied(firewallAliasHandler, 'test/Resource', { name: 'office', level: 'cluster' }),
    );
    expect(emulator.server.emulator.state.firewall?.cluster?.aliases.office).toBeUndefined();
  });

  it('GIVEN an IP set on a VM WHEN its entries and comment change THEN entries are added and removed and the comment kept in sync, then no-op', async () => {
    const { ctx, emulator } = await context();
    const set = (comment: string, cidr: Array<Record<string, unknown>>) =>
      resource('proxmox_virtual_environment_firewall_ipset', {
        node_name: 'pve1',
        vm_id: 9000,
        name: 'admins',
        comment,
        cidr,
      });
    const first = set('admins', [{ name: '198.51.100.10' }, { name: '198.51.100.11', comment: 'backup' }]);
    expect((await converge(firewallIpsetHandler, await ctx(), first)).action).toBe('create');
    expect((await converge(firewallIpsetHandler, await ctx(), first)).action).toBe('no-op');

    const second = set('admin desks', [
      { name: '198.51.100.11', comment: 'primary' },
      { name: '198.51.100.12', nomatch: true },
    ]);
    const change = await converge(firewallIpsetHandler, await ctx(), second);
    expect(change.action).toBe('update');
    expect(change.changes.map((c) => c.key).sort()).toEqual(['cidr', 'comment']);
    const live = emulator.server.emulator.state.firewall?.['vm/9000']?.ipsets.admins;
    expect(live?.comment).toBe('admin desks');
    expect(live?.entries.map((e) => [e.cidr, e.comment ?? '', e.nomatch ?? 0]).sort()).toEqual([
      ['198.51.100.11', 'primary', 0],
      ['198.51.100.12', '', 1],
    ]);
    expect((await converge(firewallIpsetHandler, await ctx(), second)).action).toBe('no-op');
    await firewallIpsetHandler.delete(
      await ctx(),
      applied(firewallIpsetHandler, 'test/Resource', {
        name: 'admins',
        level: 'vm',
        node: 'pve1',
        vmid: 9000,
      }),
    );
    expect(Object.keys(emulator.server.emulator.state.firewall?.['vm/9000']?.ipsets ?? {})).toEqual([]);
  });

  it('GIVEN an IP set on a node WHEN its properties are checked THEN the contract says where Proxmox keeps them', () => {
    expect(() =>
      resource('proxmox_virtual_environment_firewall_ipset', { node_name: 'pve1', name: 'admins' }),
    ).toThrow('node_name: Proxmox keeps aliases and IP sets at the datacenter or on a VM');
  });
});
