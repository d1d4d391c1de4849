import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceReport } from '../../lib/engine/deploy-report.ts';
import { propertyLeaves } from '../../lib/engine/planned-properties.ts';
import { StateStore } from '../../lib/engine/state-store.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});
async function fixture(): Promise<DeployFixture> {
  const f = await deployFixture();
  running.push(f);
  return f;
}

const byPath = (reports: readonly ResourceReport[], path: string) => {
  const found = reports.find((r) => r.path === path);
  if (!found) throw new Error(`no ${path} in the report: ${reports.map((r) => r.path).join(', ')}`);
  return found;
};
const changeOf = (r: ResourceReport, key: string) => r.changes.find((c) => c.key === key);

describe('what a diff reports', () => {
  it('GIVEN acme not deployed, with an HA resource WHEN diffed THEN every create lists every planned property by plan path, from nothing, with the Proxmox key beside where it differs, and references as references', async () => {
    const f = await fixture();
    const acme = f.assembly.plans.get('acme')!;
    acme.resources.Ha = {
      type: 'proxmox_virtual_environment_haresource',
      path: 'acme/Ha',
      dependsOn: [],
      properties: { resource_id: 'vm:1042', state: 'started', max_restart: 2 },
    };
    const report = await f.deploy({ targets: ['acme'], dryRun: true });
    const creates = report.resources.filter((r) => r.stack === 'acme' && r.action === 'create');
    expect(creates.map((r) => r.path).sort()).toEqual([
      'acme/Ha',
      'acme/Pool',
      'acme/acme-main/Backup',
      'acme/acme-main/FirewallOptions',
      'acme/acme-main/FirewallRules',
      'acme/acme-main/Guest/Vm',
    ]);
    for (const r of creates) {
      const planned = acme.resources[r.id]!.properties;
      expect(r.listsProperties, r.path).toBe(true);
      expect(
        r.changes.map((c) => c.key),
        r.path,
      ).toEqual([...propertyLeaves(planned).keys()].sort());
      expect(
        r.changes.filter((c) => c.from !== undefined),
        r.path,
      ).toEqual([]);
    }

    const vm = byPath(report.resources, 'acme/acme-main/Guest/Vm');
    expect(changeOf(vm, 'cpu.cores')).toEqual({
      key: 'cpu.cores',
      api: 'cores',
      from: undefined,
      to: 4,
      forcesReplacement: false,
    });
    expect(changeOf(vm, 'memory.dedicated')).toMatchObject({ api: 'memory', to: 8192 });
    expect(changeOf(vm, 'disk[0].size')).toMatchObject({ api: 'scsi1', to: 100 });
    expect(changeOf(vm, 'network_device[0].bridge')).toMatchObject({ api: 'net0', to: 'vmbr1' });
    expect(changeOf(vm, 'initialization.ip_config[0].ipv4.address')).toMatchObject({ api: 'ipconfig0' });
    expect(changeOf(vm, 'tags')?.to).toEqual(['4d-server', 'customer-acme', 'pvecdk', 'pvecdk-acme']);
    expect(changeOf(vm, 'started')).not.toHaveProperty('api');
    // The pool is created in the same run: the VM's pool is known once it is.
    expect(changeOf(vm, 'pool_id')).toMatchObject({
      api: 'pool',
      to: { ref: 'acme:PoolF1302427', attr: 'pool_id' },
    });

    expect(changeOf(byPath(report.resources, 'acme/Pool'), 'comment')?.to).toBe('pvecdk: customer acme');
    const backup = byPath(report.resources, 'acme/acme-main/Backup');
    expect(changeOf(backup, 'schedule')?.to).toBe('*-*-* 02:30');
    expect(changeOf(backup, 'notes_template')).toMatchObject({ api: 'notes-template' });
    const ha = byPath(report.resources, 'acme/Ha');
    expect(ha.changes).toEqual([
      { key: 'max_restart', from: undefined, to: 2, forcesReplacement: false },
      { key: 'resource_id', api: 'sid', from: undefined, to: 'vm:1042', forcesReplacement: false },
      { key: 'state', from: undefined, to: 'started', forcesReplacement: false },
    ]);
  });

  it('GIVEN a guest resource without a handler WHEN state records nothing of it THEN the diff lists its planned content, secrets as references, still pending; WHEN state recorded earlier properties THEN only what differs, still pending', async () => {
    const f = await fixture();
    const path = 'acme/acme.alice/RdsUser';
    const first = byPath((await f.deploy({ targets: ['acme'], dryRun: true })).resources, path);
    expect(first).toMatchObject({ action: 'pending', status: 'pending', listsProperties: true });
    expect(changeOf(first, 'password')?.to).toEqual({ secret: 'generated:rds/users/acme.alice' });
    expect(changeOf(first, 'groups')?.to).toEqual(['Remote Desktop Users']);
    expect(changeOf(first, 'target.vm_id')?.to).toEqual({
      ref: 'platform:RdsGuestVmEA8007A8',
      attr: 'vm_id',
    });
    expect(JSON.stringify(first)).not.toMatch(/BEGIN|PRIVATE KEY/);

    // What a guest handler (issue #12) will record once it applied the user: here, an older version of it.
    const acme = f.assembly.plans.get('acme')!;
    const [id, planned] = Object.entries(acme.resources).find(([, r]) => r.path === path)!;
    const recorded = structuredClone(planned.properties) as Record<string, unknown>;
    recorded.groups = ['Remote Desktop Users', 'ShowGrounds Admins'];
    recorded.full_name = 'Alice M.';
    const state = StateStore.open(f.stateDir, 'default', 'acme');
    await state.put(id, { type: planned.type, path, attributes: {}, properties: recorded, dependsOn: [] });

    const again = byPath((await f.deploy({ targets: ['acme'], dryRun: true })).resources, path);
    expect(again).toMatchObject({ action: 'pending', status: 'pending' });
    expect(again.listsProperties).toBeUndefined();
    expect(again.changes).toEqual([
      { key: 'full_name', from: 'Alice M.', to: 'Alice Martin', forcesReplacement: false },
      {
        key: 'groups',
        from: ['Remote Desktop Users', 'ShowGrounds Admins'],
        to: ['Remote Desktop Users'],
        forcesReplacement: false,
      },
    ]);
  });
});
