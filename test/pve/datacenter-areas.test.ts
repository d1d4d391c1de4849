import { afterEach, describe, expect, it } from 'vitest';
import { SEED_TEMPLATES } from '../../lib/sim/seed.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/testing.ts';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('PveApi backup jobs, HA resources and disk resize', () => {
  it('GIVEN no backup job WHEN one is created, updated, listed and deleted THEN each call reaches /cluster/backup and the list shows the job as Proxmox keeps it', async () => {
    emulator = await startTestEmulator();
    const { api } = emulator;
    await api.backupJobs.create('nightly', { schedule: '02:00', storage: 'nfs-backup', all: 1 });
    await api.backupJobs.update('nightly', { schedule: '03:00' });
    const jobs = await api.backupJobs.list();
    expect(jobs).toEqual([
      expect.objectContaining({ id: 'nightly', schedule: '03:00', storage: 'nfs-backup' }),
    ]);
    expect(await api.backupJobs.get('nightly')).toMatchObject({ id: 'nightly', schedule: '03:00' });
    await api.backupJobs.delete('nightly');
    expect(await api.backupJobs.list()).toEqual([]);
  });

  it('GIVEN a VM WHEN it is put under HA, changed, listed and taken out THEN each call reaches /cluster/ha/resources by its sid', async () => {
    emulator = await startTestEmulator();
    const { api } = emulator;
    await api.haResources.create(`vm:${SEED_TEMPLATES.debian}`, { state: 'started', max_restart: 2 });
    await api.haResources.update(`vm:${SEED_TEMPLATES.debian}`, { state: 'stopped' });
    expect(await api.haResources.list()).toEqual([
      expect.objectContaining({ sid: `vm:${SEED_TEMPLATES.debian}`, state: 'stopped' }),
    ]);
    expect(await api.haResources.get(`vm:${SEED_TEMPLATES.debian}`)).toMatchObject({ state: 'stopped' });
    await api.haResources.delete(`vm:${SEED_TEMPLATES.debian}`);
    expect(await api.haResources.list()).toEqual([]);
  });

  it('GIVEN a VM with a disk of 8G and a slow resize task WHEN the disk is resized to 20G THEN the call returns only once the task is done, so the config shows 20G', async () => {
    emulator = await startTestEmulator({ latencyScale: 1, latency: { clone: 10, config: 200 } });
    const { api } = emulator;
    await api.cloneQemu('pve1', SEED_TEMPLATES.debian, { newid: 200, full: true });
    await api.resizeQemuDisk('pve1', 200, 'scsi0', '20G');
    expect((await api.qemuConfig('pve1', 200)).scsi0).toMatch(/,size=20G$/);
  });

  it('GIVEN a VM with a disk of 8G WHEN asked to shrink it THEN the resize task fails with Proxmox text and the disk keeps its size', async () => {
    emulator = await startTestEmulator();
    const { api } = emulator;
    await api.cloneQemu('pve1', SEED_TEMPLATES.debian, { newid: 200, full: true });
    await expect(api.resizeQemuDisk('pve1', 200, 'scsi0', '4G')).rejects.toMatchObject({
      code: 'PVE_TASK_FAILED',
      message: expect.stringContaining('shrinking disks is not supported'),
    });
    expect((await api.qemuConfig('pve1', 200)).scsi0).toMatch(/,size=8G$/);
  });
});
