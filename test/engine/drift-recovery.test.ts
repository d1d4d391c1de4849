import { afterEach, describe, expect, it } from 'vitest';
import { creationMarker } from '../../lib/engine/handlers/vm-ownership.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

const ACME_VM = 'acme/acme-main/Guest/Vm';
const ACME_VMID = 1042;
const WINDOWS_TEMPLATE = 9001;

async function fixture(latency: Record<string, number> = {}): Promise<DeployFixture> {
  const f = await deployFixture({ latency });
  running.push(f);
  expect((await f.deploy({ targets: ['platform'] })).ok).toBe(true);
  return f;
}

/** What a deploy stopped hard mid-clone leaves: acme's VM cloned by this token, marked as being created, untagged. */
function startAcmeClone(f: DeployFixture): Promise<unknown> {
  return f.emulator.client.post(`/nodes/pve1/qemu/${WINDOWS_TEMPLATE}/clone`, {
    newid: ACME_VMID,
    name: 'acme-main',
    full: true,
    storage: 'local-lvm',
    description: creationMarker('acme', ACME_VM),
  });
}

const acmeVm = (f: DeployFixture) => f.emulator.server.emulator.state.vms[ACME_VMID];

describe('what an interrupted deploy leaves on a cluster: its own clone', () => {
  it('GIVEN acme’s clone still copying (locked create) WHEN acme deploys THEN it waits for the clone and finishes that VM, without a second clone', async () => {
    // A full clone takes 1500 s at scale 1: 1.5 s here, longer than the engine's retries of a locked VM.
    const f = await fixture({ clone: 1_500_000 });
    await startAcmeClone(f);
    expect(acmeVm(f)?.lock).toBe('create');
    const report = await f.deploy({ targets: ['acme'] });
    expect(report.ok).toBe(true);
    expect(report.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'update',
      status: 'done',
    });
    expect(acmeVm(f)?.lock).toBeUndefined();
    expect(String(acmeVm(f)?.config.tags)).toContain('pvecdk-acme');
    const clones = f.emulator.server.emulator.tasks.list('pve1').filter((t) => t.type === 'qmclone');
    expect(clones.filter((t) => t.id === String(WINDOWS_TEMPLATE))).toHaveLength(2); // the platform's RDS host, and this one
  }, 60_000);

  it('GIVEN acme’s clone whose task died (locked create, no task) WHEN acme deploys THEN it stops naming the lock and qm unlock; once unlocked, the next deploy finishes the VM', async () => {
    const f = await fixture();
    await startAcmeClone(f);
    // The node restarted mid-copy: the worker is gone, the lock stays.
    for (let i = 0; i < 50 && acmeVm(f)?.lock; i++) await new Promise((r) => setTimeout(r, 10));
    acmeVm(f)!.lock = 'create';
    const stopped = await f.deploy({ targets: ['acme'], retry: { attempts: 1, baseMs: 1, maxMs: 1 } });
    expect(stopped.ok).toBe(false);
    const vm = stopped.resources.find((r) => r.path === ACME_VM)!;
    expect(vm).toMatchObject({ status: 'failed', errorCode: 'ENGINE_CANNOT_APPLY' });
    expect(vm.error).toContain(
      `${ACME_VM}: VM ${ACME_VMID} on pve1 is locked (create) and no running task this token can see holds the lock`,
    );
    expect(vm.hint).toContain(`qm unlock ${ACME_VMID}`);

    acmeVm(f)!.lock = undefined; // what root's qm unlock does
    const finished = await f.deploy({ targets: ['acme'] });
    expect(finished.ok).toBe(true);
    expect(String(acmeVm(f)?.config.tags)).toContain('pvecdk-acme');
  }, 60_000);
});

describe('what an interrupted deploy leaves on a cluster: staged network edits', () => {
  it('GIVEN a bridge edit staged on a node and never applied WHEN diffed and deployed THEN the diff shows it (not "no changes"), the deploy applies it, and then nothing is left staged', async () => {
    const f = await fixture();
    const plan = f.assembly.plans.get('platform')!;
    const lan = Object.values(plan.resources).find((r) => r.path === 'platform/Lan/pve1')!;
    lan.properties.comment = 'pvecdk lan (customers)';
    // The deploy that made this change staged it, then stopped before the node's reload.
    await f.emulator.api.updateNetwork('pve1', 'vmbr1', {
      type: 'bridge',
      bridge_vlan_aware: true,
      autostart: true,
      comments: 'pvecdk lan (customers)',
    });
    const node = f.emulator.server.emulator.state.nodes.pve1!;
    expect(node.network.vmbr1!.comments).toBe('pvecdk lan');

    const dry = await f.deploy({ targets: ['platform'], dryRun: true });
    const planned = dry.resources.find((r) => r.path === 'platform/Lan/pve1')!;
    expect(planned.action).toBe('update');
    expect(planned.changes.map((c) => c.key)).toEqual(['staged']);
    // Only the node with the staged edit: the same bridge on pve2 is as it was.
    expect(dry.resources.find((r) => r.path === 'platform/Lan/pve2')!.action).not.toBe('update');

    const report = await f.deploy({ targets: ['platform'] });
    expect(report.ok).toBe(true);
    expect(node.network.vmbr1!.comments).toBe('pvecdk lan (customers)');
    expect(node.pendingNetwork).toBeUndefined();
    const again = await f.deploy({ targets: ['platform'], dryRun: true });
    expect(again.resources.find((r) => r.path === 'platform/Lan/pve1')!.action).toBe('no-op');
  }, 60_000);
});

describe('what an interrupted deploy leaves on a cluster: objects no state knows', () => {
  it('GIVEN an unfinished clone of acme in its pool that state never recorded WHEN acme is destroyed THEN the clone is deleted first (shown, guarded as data loss) and the pool after it', async () => {
    const f = await fixture();
    expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
    // A deploy killed right after Proxmox accepted the clone of a server since removed from the plan.
    await f.emulator.client.post(`/nodes/pve1/qemu/${WINDOWS_TEMPLATE}/clone`, {
      newid: 1099,
      name: 'acme-old',
      full: true,
      storage: 'local-lvm',
      pool: 'customer-acme',
      description: creationMarker('acme', 'acme/acme-old/Guest/Vm'),
    });
    for (let i = 0; i < 50 && f.emulator.server.emulator.state.vms['1099']?.lock; i++)
      await new Promise((r) => setTimeout(r, 10));

    const dry = await f.deploy({ targets: ['acme'], mode: 'destroy', dryRun: true });
    expect(dry.resources.find((r) => r.id === 'orphan:vm-1099')).toMatchObject({
      action: 'delete',
      destroysData: true,
      path: 'acme/acme-old/Guest/Vm (unfinished VM 1099)',
    });
    await expect(f.deploy({ targets: ['acme'], mode: 'destroy' })).rejects.toMatchObject({
      code: 'ENGINE_DATA_LOSS',
    });
    const report = await f.deploy({ targets: ['acme'], mode: 'destroy', allowDestroyData: true });
    expect(report.ok).toBe(true);
    expect(f.emulator.server.emulator.state.vms['1099']).toBeUndefined();
    expect(f.emulator.server.emulator.state.pools['customer-acme']).toBeUndefined();
  }, 60_000);

  it('GIVEN a VM tagged as acme’s that neither state nor the plan knows WHEN acme deploys THEN its deletion is planned and guarded; a VM of another stack or no stack is never touched', async () => {
    const f = await fixture();
    expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
    const vms = f.emulator.server.emulator.state.vms;
    const template = vms[String(WINDOWS_TEMPLATE)]!;
    const copy = (vmid: number, tags: string) => {
      const { template: _template, ...config } = structuredClone(template.config);
      vms[String(vmid)] = {
        ...structuredClone(template),
        vmid,
        config: { ...config, name: `vm${vmid}`, tags },
      };
    };
    copy(1097, 'pvecdk;pvecdk-acme');
    copy(1096, 'pvecdk;pvecdk-globex');
    copy(1095, 'hand-made');
    const dry = await f.deploy({ targets: ['acme'], dryRun: true });
    const orphans = dry.resources.filter((r) => r.id.startsWith('orphan:')).map((r) => r.id);
    expect(orphans).toEqual(['orphan:vm-1097']);
    await expect(f.deploy({ targets: ['acme'] })).rejects.toMatchObject({ code: 'ENGINE_DATA_LOSS' });
    expect((await f.deploy({ targets: ['acme'], allowDestroyData: true })).ok).toBe(true);
    expect(Object.keys(vms).filter((id) => ['1095', '1096', '1097'].includes(id))).toEqual(['1095', '1096']);
  }, 60_000);
});
