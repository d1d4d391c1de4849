import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { creationMarker } from '../../lib/engine/handlers/vm-ownership.ts';
import type { LoadedAssembly } from '../../lib/engine/plan-loader.ts';
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

/** The id and properties of the resource at `path` in a stack's plan. */
function resourceAt(assembly: LoadedAssembly, stack: string, path: string) {
  const plan = assembly.plans.get(stack)!;
  const entry = Object.entries(plan.resources).find(([, r]) => r.path === path);
  if (!entry)
    throw new Error(
      `no ${path} in ${stack}: ${Object.values(plan.resources)
        .map((r) => r.path)
        .join(', ')}`,
    );
  return { id: entry[0], resource: entry[1], plan };
}

const ACME_VM = 'acme/acme-main/Guest/Vm';
const acted = (report: Awaited<ReturnType<DeployFixture['deploy']>>) =>
  report.resources
    .filter((r) => r.status !== 'unchanged' && r.status !== 'pending')
    .map((r) => `${r.action} ${r.path} ${r.status}`);

describe('deploy lifecycle against the emulator', () => {
  it('GIVEN a deployed customer WHEN a VM property Proxmox changes in place is edited THEN one in-place update, then no changes', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const { resource } = resourceAt(f.assembly, 'acme', ACME_VM);
    (resource.properties.memory as Record<string, unknown>).dedicated = 6144;

    const report = await f.deploy();
    expect(acted(report)).toEqual([`update ${ACME_VM} done`]);
    const vm = report.resources.find((r) => r.path === ACME_VM)!;
    expect(vm.changes).toEqual([
      expect.objectContaining({
        key: 'memory.dedicated',
        api: 'memory',
        from: 8192,
        to: 6144,
        forcesReplacement: false,
      }),
    ]);
    const vmid = Number(resource.properties.vm_id);
    const live = f.emulator.server.emulator.state.vms[vmid]!;
    expect(Number(live.pending?.memory ?? live.config.memory)).toBe(6144);

    const writes = f.writes();
    expect(acted(await f.deploy())).toEqual([]);
    expect(f.writes()).toBe(writes);
  }, 60_000);

  it('GIVEN a deployed customer WHEN a replace-only property changes THEN it is refused without --allow-destroy-data and replaced with it', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const { resource } = resourceAt(f.assembly, 'acme', ACME_VM);
    const vmid = Number(resource.properties.vm_id);
    const before = String(resource.properties.node_name);
    const after = before === 'pve1' ? 'pve2' : 'pve1';
    resource.properties.node_name = after;

    const writes = f.writes();
    await expect(f.deploy()).rejects.toMatchObject({
      code: 'ENGINE_DATA_LOSS',
      message: expect.stringContaining(`${ACME_VM} (replace) would destroy data`),
    });
    expect(f.writes()).toBe(writes);

    const report = await f.deploy({ allowDestroyData: true });
    expect(report.ok).toBe(true);
    expect(report.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'replace',
      status: 'done',
      destroysData: true,
    });
    expect(f.emulator.server.emulator.state.vms[vmid]!.node).toBe(after);
    expect(f.vms().filter((v) => v.vmid === vmid)).toHaveLength(1);
    expect(acted(await f.deploy())).toEqual([]);
  }, 60_000);

  it('GIVEN a deployed customer WHEN resources leave the plan THEN they are deleted (VMs only with --allow-destroy-data) and leave the state', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const backup = resourceAt(f.assembly, 'acme', 'acme/acme-main/Backup');
    const jobId = String(backup.resource.properties.id);
    delete backup.plan.resources[backup.id];

    const report = await f.deploy();
    expect(acted(report)).toEqual(['delete acme/acme-main/Backup done']);
    expect(f.emulator.server.emulator.state.backupJobs?.[jobId]).toBeUndefined();
    expect(StateStore.open(f.stateDir, 'default', 'acme').state.resources[backup.id]).toBeUndefined();

    // Dropping the VM (and what hangs on it) destroys data: refused, then allowed.
    const vm = resourceAt(f.assembly, 'acme', ACME_VM);
    for (const [id, r] of Object.entries(vm.plan.resources))
      if (r.path.startsWith('acme/acme-main/') || r.dependsOn.includes(vm.id)) delete vm.plan.resources[id];
    await expect(f.deploy()).rejects.toMatchObject({ code: 'ENGINE_DATA_LOSS' });
    expect(f.vms().map((v) => v.name)).toContain('acme-main');
    const dropped = await f.deploy({ allowDestroyData: true });
    expect(dropped.ok).toBe(true);
    expect(f.vms().map((v) => v.name)).not.toContain('acme-main');
    expect(acted(await f.deploy())).toEqual([]);
  }, 60_000);

  it('GIVEN acme and globex deployed WHEN acme is destroyed THEN globex and the platform are untouched', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const destroyed = await f.deploy({ targets: ['acme'], mode: 'destroy', allowDestroyData: true });
    expect(destroyed.ok).toBe(true);
    expect(f.vms().map((v) => v.name)).toEqual(expect.arrayContaining(['fw', 'rds', 'globex-main']));
    expect(f.vms().map((v) => v.name)).not.toContain('acme-main');
    expect(Object.keys(StateStore.open(f.stateDir, 'default', 'acme').state.resources)).toEqual([]);
    const writes = f.writes();
    const globex = await f.deploy({ targets: ['globex'] });
    expect(acted(globex)).toEqual([]);
    expect(f.writes()).toBe(writes);
  }, 60_000);

  it('GIVEN a deployed stack WHEN its state is lost THEN the next deploy adopts its tagged resources: no duplicate, no write', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const vmsBefore = f.vms();
    const stateBefore = StateStore.open(f.stateDir, 'default', 'acme').state.resources;
    rmSync(join(f.stateDir, 'state'), { recursive: true });

    const writes = f.writes();
    const report = await f.deploy();
    expect(acted(report)).toEqual([]);
    expect(f.writes()).toBe(writes);
    expect(f.vms()).toEqual(vmsBefore);
    expect(StateStore.open(f.stateDir, 'default', 'acme').state.resources).toEqual(stateBefore);
  }, 60_000);

  it('GIVEN a VM not made by pvecdk holds a planned VM id WHEN deploying THEN planning fails naming it and nothing of that stack is written', async () => {
    const f = await fixture();
    const { resource } = resourceAt(f.assembly, 'acme', ACME_VM);
    const vmid = Number(resource.properties.vm_id);
    await f.emulator.api.createQemu('pve1', { vmid, name: 'someone-elses', memory: 1024 });
    expect((await f.deploy({ targets: ['platform'] })).ok).toBe(true);

    const writes = f.writes();
    const report = await f.deploy({ targets: ['acme'] });
    expect(report.ok).toBe(false);
    const vm = report.resources.find((r) => r.path === ACME_VM)!;
    expect(vm.status).toBe('failed');
    expect(vm.error).toContain(
      `${ACME_VM}: the live object was not created by pvecdk (vm_id ${vmid}, node_name pve1)`,
    );
    expect(vm.errorCode).toBe('ENGINE_NOT_OWNED');
    expect(vm.hint).toContain('give this resource another id');
    expect(f.writes()).toBe(writes);
    expect(f.emulator.server.emulator.state.vms[vmid]!.config.name).toBe('someone-elses');
  }, 60_000);

  it('GIVEN a clone left untagged by a killed deploy WHEN deploying again THEN it is adopted and finished, not duplicated', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const { resource } = resourceAt(f.assembly, 'acme', ACME_VM);
    const vmid = Number(resource.properties.vm_id);
    const vm = f.emulator.server.emulator.state.vms[vmid]!;
    delete vm.config.tags;
    vm.config.description = creationMarker('acme', ACME_VM);
    rmSync(join(f.stateDir, 'state', 'default', 'acme.json'));

    const report = await f.deploy();
    expect(acted(report)).toEqual([`update ${ACME_VM} done`]);
    expect(String(vm.config.tags)).toContain('pvecdk-acme');
    expect(vm.config.description).toBe(resource.properties.description);
    expect(f.vms().filter((v) => v.vmid === vmid)).toHaveLength(1);
    expect(acted(await f.deploy())).toEqual([]);
  }, 60_000);

  it('GIVEN a deploy of a stack in progress WHEN a second deploy of it starts THEN the second is refused naming the holder', async () => {
    const f = await fixture();
    const [a, b] = await Promise.allSettled([
      f.deploy({ targets: ['platform'] }),
      f.deploy({ targets: ['platform'] }),
    ]);
    const outcomes = [a, b].map((o) => o.status);
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    const refused = [a, b].find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringMatching(
        /stack platform on default is being changed by 'pvecdk deploy platform' \(pid \d+/,
      ),
    });
    expect(
      f
        .vms()
        .map((v) => v.name)
        .sort(),
    ).toEqual(['fw', 'rds']);
  }, 60_000);
});

describe('refusals cover the whole run', () => {
  it('GIVEN acme with an in-place change and globex with a change that destroys data WHEN both deploy without --allow-destroy-data THEN nothing of the run is written', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const acme = resourceAt(f.assembly, 'acme', ACME_VM).resource;
    (acme.properties.memory as Record<string, unknown>).dedicated = 6144;
    const globex = resourceAt(f.assembly, 'globex', 'globex/globex-main/Guest/Vm').resource;
    globex.properties.node_name = globex.properties.node_name === 'pve1' ? 'pve2' : 'pve1';

    const writes = f.writes();
    await expect(f.deploy()).rejects.toMatchObject({
      code: 'ENGINE_DATA_LOSS',
      message: expect.stringContaining('globex/globex-main/Guest/Vm (replace) would destroy data'),
    });
    expect(f.writes()).toBe(writes);
    const live = f.emulator.server.emulator.state.vms[Number(acme.properties.vm_id)]!;
    expect(Number(live.pending?.memory ?? live.config.memory)).toBe(8192);
  }, 60_000);
});

describe('drift made outside pvecdk', () => {
  it('GIVEN a deployed customer WHEN its VM is deleted in the GUI THEN the diff shows it and what lives in it created again, and deploy recreates them', async () => {
    const f = await fixture();
    expect((await f.deploy()).ok).toBe(true);
    const { resource } = resourceAt(f.assembly, 'acme', ACME_VM);
    const vmid = Number(resource.properties.vm_id);
    const node = f.emulator.server.emulator.state.vms[vmid]!.node;
    await f.emulator.api.qemuPower(node, vmid, 'stop');
    await f.emulator.api.destroyQemu(node, vmid);

    const dry = await f.deploy({ targets: ['acme'], dryRun: true });
    expect(dry.ok).toBe(true);
    const created = dry.resources.filter((r) => r.action === 'create').map((r) => r.path);
    expect(created).toEqual(
      expect.arrayContaining([ACME_VM, 'acme/acme-main/FirewallRules', 'acme/acme-main/FirewallOptions']),
    );

    expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
    expect(f.vms().map((v) => v.vmid)).toContain(vmid);
    expect(f.emulator.server.emulator.state.firewall?.[`vm/${vmid}`]?.rules.length).toBeGreaterThan(0);
    expect(acted(await f.deploy({ targets: ['acme'] }))).toEqual([]);
  }, 60_000);
});
