import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { types } from '../../../lib/contract/index.ts';
import type { StorageUpload } from '../../../lib/pve/api/storage.ts';
import type { CustomCheck, TypeCoverage } from './coverage.ts';

/** Datacenter objects: pools, backup jobs, HA resources and storage files. */

const FILE = 'test/engine/every-key/datacenter-keys.ts';

export const poolCoverage: TypeCoverage = {
  contract: types.poolType,
  file: FILE,
  base: { Pool: { pool_id: 'keys' } },
  async baseCheck(h) {
    expect(h.state.pools.keys).toEqual({ members: [] });
  },
  keys: {
    pool_id: { base: 'the pool' },
    comment: {
      set: (p) => {
        p.comment = 'every key';
      },
      expect: (live) => expect(live.comment).toBe('every key'),
    },
  },
};

export const backupJobCoverage: TypeCoverage = {
  contract: types.backupJobType,
  file: FILE,
  base: { Job: { id: 'keys-daily', schedule: '*-*-* 02:30', storage: 'nfs-backup', all: true } },
  async setup(h) {
    await h.emulator.api.pools.create('keys-pool');
  },
  async baseCheck(h) {
    expect(h.state.backupJobs?.['keys-daily']).toMatchObject({
      schedule: '*-*-* 02:30',
      storage: 'nfs-backup',
      all: 1,
    });
  },
  keys: {
    id: { base: 'the job' },
    all: { base: 'the base job backs up every guest' },
    schedule: {
      set: (p) => {
        p.schedule = 'mon..fri 22:00';
      },
      expect: (live) => expect(live.schedule).toBe('mon..fri 22:00'),
    },
    storage: {
      set: (p) => {
        p.storage = 'local';
      },
      expect: (live) => expect(live.storage).toBe('local'),
    },
    vmid: {
      set: (p) => {
        delete p.all;
        p.vmid = ['9002', '9001'];
      },
      // The guest selection given replaces the other: the job no longer backs up everything.
      expect: (live) => {
        expect(live.vmid).toBe('9002,9001');
        expect(live.all).toBeUndefined();
      },
    },
    pool: {
      set: (p) => {
        delete p.vmid;
        p.pool = 'keys-pool';
      },
      expect: (live) => {
        expect(live.pool).toBe('keys-pool');
        expect(live.vmid).toBeUndefined();
      },
    },
    node: {
      set: (p) => {
        p.node = 'pve2';
      },
      expect: (live) => expect(live.node).toBe('pve2'),
    },
    enabled: {
      set: (p) => {
        p.enabled = false;
      },
      expect: (live) => expect(Number(live.enabled)).toBe(0),
    },
    mode: {
      set: (p) => {
        p.mode = 'stop';
      },
      expect: (live) => expect(live.mode).toBe('stop'),
    },
    compress: {
      set: (p) => {
        p.compress = 'zstd';
      },
      expect: (live) => expect(live.compress).toBe('zstd'),
    },
    mailto: {
      set: (p) => {
        p.mailto = ['ops@example.com', 'backup@example.com'];
      },
      expect: (live) => expect(live.mailto).toBe('ops@example.com,backup@example.com'),
    },
    mailnotification: {
      set: (p) => {
        p.mailnotification = 'failure';
      },
      expect: (live) => expect(live.mailnotification).toBe('failure'),
    },
    notes_template: {
      set: (p) => {
        p.notes_template = '{{guestname}} every key';
      },
      expect: (live) => expect(live['notes-template']).toBe('{{guestname}} every key'),
    },
    prune_backups: {
      set: (p) => {
        p.prune_backups = { 'keep-weekly': '4', 'keep-daily': '7' };
      },
      expect: (live) =>
        // Proxmox answers the retention parsed, as an object.
        expect(live['prune-backups']).toEqual({ 'keep-daily': '7', 'keep-weekly': '4' }),
    },
    repeat_missed: {
      set: (p) => {
        p.repeat_missed = true;
      },
      expect: (live) => expect(Number(live['repeat-missed'])).toBe(1),
    },
    protected: {
      set: (p) => {
        p.protected = true;
      },
      expect: (live) => expect(Number(live.protected)).toBe(1),
    },
  },
};

const haTypeMatches: CustomCheck = {
  name: 'Proxmox takes the type with the id it agrees with and lists the resource as that type',
  async run(h) {
    h.add('Typed', { resource_id: 'vm:402', type: 'vm' });
    await h.deployExpecting('Typed', 'create');
    expect(await h.live('Typed')).toMatchObject({ sid: 'vm:402', type: 'vm' });
    await h.expectSteady();
  },
};

export const haResourceCoverage: TypeCoverage = {
  contract: types.haResourceType,
  file: FILE,
  base: { Ha: { resource_id: 'vm:401' } },
  async setup(h) {
    await h.emulator.api.createQemu('pve1', { vmid: 401, name: 'keys-ha' });
    await h.emulator.api.createQemu('pve1', { vmid: 402, name: 'keys-ha-typed' });
    await h.emulator.client.post('/cluster/ha/groups', { group: 'keys-ha', nodes: 'pve1,pve2' });
  },
  async baseCheck(h) {
    expect(h.state.haResources?.['vm:401']).toMatchObject({ sid: 'vm:401', state: 'started' });
  },
  keys: {
    resource_id: { base: 'the guest under HA' },
    type: { custom: haTypeMatches },
    state: {
      set: (p) => {
        p.state = 'stopped';
      },
      expect: (live) => expect(live.state).toBe('stopped'),
    },
    group: {
      set: (p) => {
        p.group = 'keys-ha';
      },
      expect: (live) => expect(live.group).toBe('keys-ha'),
    },
    max_relocate: {
      set: (p) => {
        p.max_relocate = 3;
      },
      expect: (live) => expect(Number(live.max_relocate)).toBe(3),
    },
    max_restart: {
      set: (p) => {
        p.max_restart = 4;
      },
      expect: (live) => expect(Number(live.max_restart)).toBe(4),
    },
    comment: {
      set: (p) => {
        p.comment = 'every key';
      },
      expect: (live) => expect(live.comment).toBe('every key'),
    },
  },
};

/** Local files the file resources upload. */
const files = mkdtempSync(join(tmpdir(), 'pvecdk-keys-files-'));
const SMALL = join(files, 'small.iso');
const LARGER = join(files, 'larger.iso');
writeFileSync(SMALL, 'a small ISO image');
writeFileSync(LARGER, 'a larger ISO image, with more in it');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const checksumVerified: CustomCheck = {
  name: 'the checksum goes to Proxmox, which stores a file that matches it and refuses one that does not',
  async run(h) {
    h.add('Checked', {
      node_name: 'pve1',
      datastore_id: 'local',
      source_file: { path: SMALL, file_name: 'keys-checked.iso', checksum: sha256('a small ISO image') },
    });
    await h.deployExpecting('Checked', 'create');
    expect(h.state.storageFiles?.['pve1/local:iso/keys-checked.iso']?.sha256).toBe(
      sha256('a small ISO image'),
    );

    h.add('Mismatch', {
      node_name: 'pve1',
      datastore_id: 'local',
      source_file: { path: SMALL, file_name: 'keys-mismatch.iso', checksum: sha256('something else') },
    });
    const report = await h.deploy();
    expect(report.resources.find((r) => r.id === 'Mismatch')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('checksum mismatch'),
    });
    expect(h.state.storageFiles?.['pve1/local:iso/keys-mismatch.iso']).toBeUndefined();
    h.remove('Mismatch');
    await h.expectSteady();
  },
};

const overwriteFalseKeepsFile: CustomCheck = {
  name: 'a file whose content changed is left as it is (where overwrite, the default, replaces it: see source_raw.data)',
  async run(h) {
    h.add('Kept', {
      node_name: 'pve1',
      datastore_id: 'local',
      overwrite: false,
      source_raw: { data: 'first', file_name: 'keys-kept.iso' },
    });
    await h.deployExpecting('Kept', 'create');
    h.change('Kept', (p) => {
      p.source_raw.data = 'second, and longer';
    });
    // The new content is recorded in state (shown as an update), and nothing is sent to Proxmox.
    const before = h.writes();
    const report = await h.deployExpecting('Kept', 'update');
    expect(report.resources.find((r) => r.id === 'Kept')!.changes.map((c) => c.key)).toEqual([
      'source_raw.data',
    ]);
    expect(h.writes() - before, 'recording the new content writes nothing to Proxmox').toBe(0);
    await h.expectSteady();
    expect((await h.live('Kept')).size).toBe(5);
  },
};

const uploadTimeout: CustomCheck = {
  name: 'the upload is given that long to finish',
  async run(h) {
    const storage = h.emulator.api.storage;
    const original = storage.startUpload.bind(storage);
    const timeouts: Array<number | undefined> = [];
    storage.startUpload = (node: string, store: string, upload: StorageUpload) => {
      timeouts.push(upload.timeoutMs);
      return original(node, store, upload);
    };
    try {
      h.add('Timed', {
        node_name: 'pve1',
        datastore_id: 'local',
        timeout_upload: 42,
        source_raw: { data: 'timed', file_name: 'keys-timed.iso' },
      });
      await h.deployExpecting('Timed', 'create');
    } finally {
      storage.startUpload = original;
    }
    expect(timeouts).toEqual([42_000]);
    await h.expectSteady();
  },
};

export const fileCoverage: TypeCoverage = {
  contract: types.fileType,
  file: FILE,
  base: {
    Raw: {
      node_name: 'pve1',
      datastore_id: 'local',
      content_type: 'iso',
      source_raw: { data: 'every key', file_name: 'keys-raw.iso' },
    },
    FromDisk: {
      node_name: 'pve1',
      datastore_id: 'local',
      source_file: { path: SMALL, file_name: 'keys-disk.iso' },
    },
  },
  async baseCheck(h) {
    expect(h.state.storageFiles?.['pve1/local:iso/keys-raw.iso']).toMatchObject({ content: 'iso', size: 9 });
    expect(h.state.storageFiles?.['pve1/local:iso/keys-disk.iso']).toMatchObject({
      content: 'iso',
      sha256: sha256('a small ISO image'),
    });
  },
  refusalSetup: {
    'source_file.insecure': (p) => {
      delete p.source_raw;
      p.source_file = { path: SMALL };
    },
  },
  keys: {
    node_name: { base: 'the node whose storage holds it' },
    datastore_id: { base: 'the storage' },
    content_type: { base: 'Raw names its content type; FromDisk has it inferred from its name' },
    'source_raw.file_name': { base: 'the name on the storage' },
    'source_file.file_name': { base: 'the name on the storage' },
    'source_raw.data': {
      on: 'Raw',
      set: (p) => {
        p.source_raw.data = 'every key, and more';
      },
      action: 'replace',
      expect: (live) => expect(live.size).toBe(19),
    },
    'source_raw.resize': {
      on: 'Raw',
      set: (p) => {
        p.source_raw.resize = 4096;
      },
      action: 'replace',
      expect: (live) => expect(live.size).toBe(4096),
    },
    'source_file.path': {
      on: 'FromDisk',
      set: (p) => {
        p.source_file.path = LARGER;
      },
      action: 'replace',
      expect: (live) => expect(live.size).toBe('a larger ISO image, with more in it'.length),
    },
    'source_file.checksum': { custom: checksumVerified },
    overwrite: { custom: overwriteFalseKeepsFile },
    timeout_upload: { custom: uploadTimeout },
  },
};
