import { afterEach, describe, expect, it } from 'vitest';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

const ACME_VM = 'acme/acme-main/Guest/Vm';

/** What these tests edit of acme's VM plan. */
interface AcmeVmProps {
  disk: Array<{ size: number }>;
  clone: { vm_id: number };
  operating_system: { type: string };
}

/** acme deployed, with handles on its VM's plan properties and its live config on the emulator. */
async function deployedAcme() {
  const f = await deployFixture();
  running.push(f);
  expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
  const [, vm] = Object.entries(f.assembly.plans.get('acme')!.resources).find(([, r]) => r.path === ACME_VM)!;
  const vmid = Number(vm.properties.vm_id);
  const live = () => f.emulator.server.emulator.state.vms[vmid]!;
  return { f, props: vm.properties as unknown as AcmeVmProps, live };
}

const sizeOf = (drive: unknown) => /size=(\d+)G/.exec(String(drive))?.[1];

describe('replacements only when asked: a disk made smaller', () => {
  it('GIVEN a deployed data disk of 100 GiB WHEN the plan makes it 50 THEN the run is refused before any write, saying disks cannot shrink and how to ask for a replacement', async () => {
    const { f, props, live } = await deployedAcme();
    props.disk[0]!.size = 50;
    const writes = f.writes();
    for (const dryRun of [true, false])
      await expect(f.deploy({ targets: ['acme'], dryRun, allowDestroyData: true })).rejects.toMatchObject({
        code: 'ENGINE_NEEDS_REPLACE',
        message: `${ACME_VM}: disk scsi1 cannot shrink from 100 GiB to 50 GiB: Proxmox only grows disks, and a new VM would start with empty disks; nothing was changed`,
        hint: expect.stringContaining(`--replace ${ACME_VM} --allow-destroy-data`),
      });
    expect(f.writes()).toBe(writes);
    expect(sizeOf(live().config.scsi1)).toBe('100');
  }, 60_000);

  it('GIVEN the smaller disk and --replace of the VM WHEN deployed THEN it still needs --allow-destroy-data, and with it the VM is made anew with the smaller disk', async () => {
    const { f, props, live } = await deployedAcme();
    props.disk[0]!.size = 50;
    await expect(f.deploy({ targets: ['acme'], replace: [ACME_VM] })).rejects.toMatchObject({
      code: 'ENGINE_DATA_LOSS',
    });
    const report = await f.deploy({ targets: ['acme'], replace: [ACME_VM], allowDestroyData: true });
    expect(report.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'replace',
      status: 'done',
    });
    expect(sizeOf(live().config.scsi1)).toBe('50');
    // Done: the next deploy changes nothing, with or without the ask.
    const again = await f.deploy({ targets: ['acme'] });
    expect(again.resources.filter((r) => r.status !== 'unchanged' && r.status !== 'pending')).toEqual([]);
  }, 60_000);
});

describe('--replace of what could be updated', () => {
  it('GIVEN an unchanged VM WHEN its replacement is asked THEN it is replaced (shown with the ask), guarded as data loss', async () => {
    const { f, live } = await deployedAcme();
    const dry = await f.deploy({ targets: ['acme'], replace: [ACME_VM], dryRun: true });
    expect(dry.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'replace',
      destroysData: true,
      changes: [{ key: '(replace)', from: null, to: 'asked with --replace', forcesReplacement: true }],
    });
    const report = await f.deploy({ targets: ['acme'], replace: [ACME_VM], allowDestroyData: true });
    expect(report.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'replace',
      status: 'done',
    });
    // Destroyed once, and made anew with its ownership tags.
    const destroys = f.emulator.server.emulator.tasks
      .list('pve1')
      .filter((t) => t.type === 'qmdestroy' && t.id === '1042');
    expect(destroys).toHaveLength(1);
    expect(String(live().config.tags)).toContain('pvecdk-acme');
  }, 60_000);

  it('GIVEN a path that is not in the stacks, or a type pvecdk does not replace WHEN asked THEN ENGINE_INVALID_OPTION names it (with the nearest paths) before anything is read', async () => {
    const { f } = await deployedAcme();
    await expect(f.deploy({ targets: ['acme'], replace: ['acme/acme-main/Guest/VM'] })).rejects.toMatchObject(
      {
        code: 'ENGINE_INVALID_OPTION',
        message: expect.stringMatching(
          /^--replace acme\/acme-main\/Guest\/VM: no resource of the stacks being deployed has this path; the nearest are acme\/acme-main\/Guest\/Vm, /,
        ),
      },
    );
    await expect(f.deploy({ targets: ['acme'], replace: ['acme/Pool'] })).rejects.toMatchObject({
      code: 'ENGINE_INVALID_OPTION',
      message:
        '--replace acme/Pool: pvecdk does not replace a proxmox_virtual_environment_pool; only VMs and files are replaced on request',
    });
  }, 60_000);
});

describe('what a VM is cloned from', () => {
  it('GIVEN a VM cloned from the Windows template WHEN the plan clones it from the Debian one THEN it is a replacement, refused without --allow-destroy-data, and made from Debian with it', async () => {
    const { f, props, live } = await deployedAcme();
    props.clone.vm_id = 9002;
    props.operating_system.type = 'l26';
    const dry = await f.deploy({ targets: ['acme'], dryRun: true });
    const planned = dry.resources.find((r) => r.path === ACME_VM)!;
    expect(planned).toMatchObject({ action: 'replace', destroysData: true });
    expect(planned.changes).toContainEqual({
      key: 'clone.vm_id',
      from: 9001,
      to: 9002,
      forcesReplacement: true,
    });
    await expect(f.deploy({ targets: ['acme'] })).rejects.toMatchObject({ code: 'ENGINE_DATA_LOSS' });

    const report = await f.deploy({ targets: ['acme'], allowDestroyData: true });
    expect(report.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'replace',
      status: 'done',
    });
    // The Debian template's boot disk (8 GiB) came with the clone, not the Windows one (60 GiB).
    expect(sizeOf(live().config.scsi0)).toBe('8');
    expect(live().config.ostype).toBe('l26');
  }, 60_000);
});
