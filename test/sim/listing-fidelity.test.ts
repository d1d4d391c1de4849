import { describe, expect, it } from 'vitest';
import { placeStorageFile } from '../../lib/sim/api/storage-files.ts';
import { emulatorWithCaller } from './emulator-call.ts';

describe('listings as Proxmox answers them', () => {
  it("GIVEN no containers WHEN a client lists a node's LXC guests THEN [] (as pve-container answers), not 501", () => {
    const { call } = emulatorWithCaller();
    expect(call('GET', '/nodes/pve1/lxc')).toEqual([]);
  });

  it('GIVEN a fresh cluster WHEN realms are listed THEN pam and pve with the comments domains.cfg always carries', () => {
    const { call } = emulatorWithCaller();
    expect(call('GET', '/access/domains')).toEqual([
      { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
      { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server' },
    ]);
  });

  it('GIVEN the storage configuration WHEN listed THEN entries carry type-specific keys and the SHA-1 digest of storage.cfg, and `type` filters', () => {
    const { call } = emulatorWithCaller();
    const all = call('GET', '/storage') as Array<Record<string, unknown>>;
    expect(all.find((s) => s.storage === 'local')).toEqual({
      storage: 'local',
      type: 'dir',
      content: 'iso,vztmpl,backup,snippets',
      path: '/var/lib/vz',
      digest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(all.find((s) => s.storage === 'local-lvm')).toMatchObject({ thinpool: 'data', vgname: 'pve' });
    expect(all.find((s) => s.storage === 'nfs-backup')).toMatchObject({
      shared: 1,
      server: expect.any(String),
    });
    expect(new Set(all.map((s) => s.digest)).size).toBe(1);
    expect(
      (call('GET', '/storage', { type: 'lvmthin' }) as Array<{ storage: string }>).map((s) => s.storage),
    ).toEqual(['local-lvm']);
    expect(call('GET', '/storage/local-lvm')).toMatchObject({
      storage: 'local-lvm',
      type: 'lvmthin',
      vgname: 'pve',
    });
    expect(() => call('GET', '/storage/nope')).toThrow(/500 storage 'nope' does not exist/);
  });

  it("GIVEN storages of several contents WHEN a node's storage status is listed with content or storage THEN only those; an unknown storage is a 400", () => {
    const { call } = emulatorWithCaller();
    const ids = (params: Record<string, string | number>) =>
      (call('GET', '/nodes/pve1/storage', params) as Array<{ storage: string }>).map((s) => s.storage);
    expect(ids({ content: 'images' })).toEqual(['local-lvm', 'ceph-vm']);
    expect(ids({ content: 'iso' })).toEqual(['local']);
    expect(ids({ storage: 'ceph-vm', enabled: 1 })).toEqual(['ceph-vm']);
    expect(() => ids({ storage: 'nope' })).toThrow(/400 .*No such storage\./);
    const [status] = call('GET', '/nodes/pve1/storage', { storage: 'local' }) as Array<
      Record<string, number>
    >;
    expect(status!.used_fraction).toBeCloseTo(status!.used! / status!.total!);
  });

  it("GIVEN tasks WHEN the cluster task list is read THEN they are listed with a token's user and tokenid apart", async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 130 });
    await settle();
    const tasks = call('GET', '/cluster/tasks') as Array<Record<string, unknown>>;
    expect(tasks[0]).toMatchObject({
      type: 'qmclone',
      node: 'pve1',
      user: 'root@pam',
      tokenid: 'pvecdk',
      status: 'OK',
    });
  });

  it('GIVEN an ISO on a storage WHEN deleted by a volume id with a slash, plain or encoded THEN the path matches and an imgdel task removes it', async () => {
    const { call, settle, state, exitOf } = emulatorWithCaller();
    placeStorageFile(state, { node: 'pve1', storage: 'local', content: 'iso', name: 'a.iso', size: 1 });
    placeStorageFile(state, { node: 'pve1', storage: 'local', content: 'iso', name: 'b.iso', size: 1 });
    const plain = call('DELETE', '/nodes/pve1/storage/local/content/local:iso/a.iso');
    const encoded = call(
      'DELETE',
      `/nodes/pve1/storage/local/content/${encodeURIComponent('local:iso/b.iso')}`,
    );
    await settle();
    expect([exitOf(plain), exitOf(encoded)]).toEqual(['OK', 'OK']);
    expect(String(plain)).toMatch(/:imgdel:local:root@pam!pvecdk:$/);
    expect(call('GET', '/nodes/pve1/storage/local/content', { content: 'iso' })).toEqual([]);
  });

  it('GIVEN a user in a group with a token WHEN read alone or listed in full THEN expire (0 when unset), groups and tokens are there, secrets never', () => {
    const { call } = emulatorWithCaller();
    call('POST', '/access/groups', { groupid: 'ops' });
    call('POST', '/access/users', { userid: 'erin@pve', groups: 'ops' });
    call('POST', '/access/users/erin@pve/token/ci', { privsep: 1 });
    expect(call('GET', '/access/users/erin@pve')).toEqual({
      enable: 1,
      expire: 0,
      groups: ['ops'],
      tokens: { ci: { expire: 0, privsep: 1 } },
    });
    const listed = (call('GET', '/access/users', { full: 1 }) as Array<Record<string, unknown>>).find(
      (u) => u.userid === 'erin@pve',
    );
    expect(listed).toEqual({
      userid: 'erin@pve',
      enable: 1,
      expire: 0,
      groups: 'ops',
      tokens: [{ tokenid: 'ci', expire: 0, privsep: 1 }],
    });
  });
});
