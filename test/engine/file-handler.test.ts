import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileHandler } from '../../lib/engine/handlers/file-handler.ts';
import type { HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { PveApi } from '../../lib/pve/api/pve-api.ts';
import { StorageApi } from '../../lib/pve/api/storage.ts';
import { PveClient } from '../../lib/pve/client.ts';
import { placeStorageFile } from '../../lib/sim/api/storage-files.ts';
import { startTestEmulator } from '../../lib/sim/index.ts';
import { applied, desired } from './handler-fixture.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function setup() {
  const emulator = await startTestEmulator({});
  running.push(emulator);
  const ctx: HandlerContext = {
    api: emulator.api,
    inventory: await emulator.api.clusterResources(),
    stack: 'acme',
  };
  const storage = new StorageApi(emulator.client);
  return { emulator, state: emulator.server.emulator.state, storage, ctx };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A file in a fresh temporary directory. */
function localFile(name: string, data: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pvecdk-file-')), name);
  writeFileSync(path, data);
  return path;
}

const file = (properties: Record<string, unknown>) =>
  desired(fileHandler, 'acme/acme-main/UserData', {
    node_name: 'pve1',
    datastore_id: 'local',
    ...properties,
  });

const snippet = (data: string, extra: Record<string, unknown> = {}) =>
  file({ content_type: 'snippets', source_raw: { data, file_name: 'acme-main.yaml' }, ...extra });

async function planOf(ctx: HandlerContext, r: ReturnType<typeof file>) {
  return fileHandler.diff(r, await fileHandler.read(ctx, r));
}

describe('file handler against the emulator', () => {
  it('GIVEN a snippet WHEN it is missing, placed, changed and deleted THEN create and replace are refused without a change, the placed file is adopted, and delete removes it', async () => {
    const { state, storage, ctx } = await setup();
    const data = '#cloud-config\nhostname: acme-main\n';
    const listed = async () =>
      (await storage.content('pve1', 'local', 'snippets')).map((v) => [v.volid, v.size]);

    const create = await planOf(ctx, snippet(data));
    expect(create.action).toBe('create');
    await expect(fileHandler.apply(ctx, snippet(data), create, undefined)).rejects.toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /^acme\/acme-main\/UserData: cannot upload local:snippets\/acme-main\.yaml on pve1: Proxmox takes snippets only over SSH.*nothing was changed$/,
        ),
        hint: expect.stringMatching(/^copy the file/),
      }),
    );
    expect(await listed()).toEqual([]);

    // What an operator's scp does; the file is then found, and its id known.
    placeStorageFile(state, {
      node: 'pve1',
      storage: 'local',
      content: 'snippets',
      name: 'acme-main.yaml',
      size: Buffer.byteLength(data),
    });
    const observed = await fileHandler.read(ctx, snippet(data));
    expect(observed?.attributes).toEqual({
      id: 'local:snippets/acme-main.yaml',
      node_name: 'pve1',
      datastore_id: 'local',
      content_type: 'snippets',
      file_name: 'acme-main.yaml',
      file_size: data.length,
    });
    expect(fileHandler.diff(snippet(data), observed).action).toBe('no-op');
    // local is not shared: the same snippet on another node is another file.
    expect((await planOf(ctx, file({ ...snippet(data).props, node_name: 'pve2' }))).action).toBe('create');

    const longer = `${data}timezone: Europe/Paris\n`;
    const replace = await planOf(ctx, snippet(longer));
    expect(replace).toEqual({
      action: 'replace',
      changes: [
        { key: 'file_size', api: 'size', from: data.length, to: longer.length, forcesReplacement: true },
      ],
      destroysData: false,
    });
    await expect(fileHandler.apply(ctx, snippet(longer), replace, observed)).rejects.toThrow(
      'cannot replace local:snippets/acme-main.yaml on pve1',
    );
    expect(await listed()).toEqual([['local:snippets/acme-main.yaml', data.length]]);
    expect((await planOf(ctx, snippet(longer, { overwrite: false }))).action).toBe('no-op');

    await fileHandler.delete(ctx, applied(fileHandler, 'test/Resource', observed!.attributes));
    expect(await listed()).toEqual([]);
    expect((await planOf(ctx, snippet(data))).action).toBe('create');
  });

  it('GIVEN an ISO on disk WHEN created, re-planned, changed, replaced and deleted THEN it is uploaded with its size and SHA-256, re-plans to no-op, is replaced in place, and goes away', async () => {
    const { state, storage, ctx } = await setup();
    const first = Buffer.alloc(4096, 1);
    const path = localFile('virtio-win.iso', first);
    const iso = file({ source_file: { path } });
    const listed = async () =>
      (await storage.content('pve1', 'local', 'iso')).map((v) => [v.volid, v.size, v.format]);

    // WHEN created: the content type comes from the name, the size from the file.
    const create = await planOf(ctx, iso);
    expect(create.action).toBe('create');
    const created = await fileHandler.apply(ctx, iso, create, undefined);
    expect(created).toEqual({
      id: 'local:iso/virtio-win.iso',
      node_name: 'pve1',
      datastore_id: 'local',
      content_type: 'iso',
      file_name: 'virtio-win.iso',
      file_size: 4096,
      sha256: sha256(first),
    });
    expect(await listed()).toEqual([['local:iso/virtio-win.iso', 4096, 'iso']]);
    expect(state.storageFiles?.['pve1/local:iso/virtio-win.iso']?.sha256).toBe(sha256(first));
    expect(ctx.api.client.inFlight).toBe(0);
    expect((await planOf(ctx, iso)).action).toBe('no-op');

    // WHEN the source changes size: replaced, over the old file (Proxmox's import overwrites).
    const second = Buffer.alloc(8192, 2);
    writeFileSync(path, second);
    const replace = await planOf(ctx, iso);
    expect(replace).toEqual({
      action: 'replace',
      changes: [{ key: 'file_size', api: 'size', from: 4096, to: 8192, forcesReplacement: true }],
      destroysData: false,
    });
    const observed = await fileHandler.read(ctx, iso);
    const replaced = await fileHandler.apply(ctx, iso, replace, observed);
    expect(replaced).toMatchObject({ file_size: 8192, sha256: sha256(second) });
    expect(await listed()).toEqual([['local:iso/virtio-win.iso', 8192, 'iso']]);
    expect((await planOf(ctx, iso)).action).toBe('no-op');

    // WHEN deleted: gone, and planned anew.
    await fileHandler.delete(ctx, applied(fileHandler, 'test/Resource', replaced));
    expect(await listed()).toEqual([]);
    expect((await planOf(ctx, iso)).action).toBe('create');
  });

  it('GIVEN raw data for a container template WHEN created THEN the UTF-8 bytes padded to resize are uploaded under the given name', async () => {
    const { state, ctx } = await setup();
    const tmpl = file({
      content_type: 'vztmpl',
      source_raw: { data: 'héllo', file_name: 'acme-base.tar.zst', resize: 64 },
    });
    expect((await planOf(ctx, tmpl)).action).toBe('create');
    const padded = Buffer.alloc(64);
    Buffer.from('héllo', 'utf8').copy(padded);
    expect(await fileHandler.apply(ctx, tmpl, await planOf(ctx, tmpl), undefined)).toMatchObject({
      id: 'local:vztmpl/acme-base.tar.zst',
      file_size: 64,
      sha256: sha256(padded),
    });
    expect(state.storageFiles?.['pve1/local:vztmpl/acme-base.tar.zst']).toMatchObject({
      format: 'tzst',
      size: 64,
      sha256: sha256(padded),
    });
    expect((await planOf(ctx, tmpl)).action).toBe('no-op');
  });

  it("GIVEN a source_file.checksum the file does not match WHEN created THEN Proxmox's import task fails with its checksum mismatch and nothing is stored", async () => {
    const { storage, ctx } = await setup();
    const data = Buffer.alloc(1000, 7);
    const wrong = 'ab'.repeat(32);
    const iso = file({ source_file: { path: localFile('netinst.iso', data), checksum: wrong } });
    await expect(fileHandler.apply(ctx, iso, await planOf(ctx, iso), undefined)).rejects.toThrow(
      `acme/acme-main/UserData: task imgcopy on pve1 failed: checksum mismatch: got '${sha256(data)}' != expect '${wrong}'`,
    );
    expect(await storage.content('pve1', 'local', 'iso')).toEqual([]);

    // The right one passes.
    const right = file({ source_file: { path: localFile('netinst.iso', data), checksum: sha256(data) } });
    expect(await fileHandler.apply(ctx, right, await planOf(ctx, right), undefined)).toMatchObject({
      file_size: 1000,
      sha256: sha256(data),
    });
  });

  it('GIVEN a token without Datastore.AllocateTemplate on the storage WHEN an ISO is created THEN Proxmox refuses with 403 naming the privilege, and nothing is stored', async () => {
    const { emulator, state, storage } = await setup();
    state.users['ops@pve'] = { enable: 1 };
    state.acl.push({ path: '/', ugid: 'ops@pve', roleid: 'PVEDatastoreAdmin', propagate: true });
    // A separated token gets the intersection: its own role lacks Datastore.AllocateTemplate.
    state.tokens['ops@pve!ci'] = { secret: 'ops-secret', privsep: 1 };
    state.acl.push({ path: '/', ugid: 'ops@pve!ci', roleid: 'PVEDatastoreUser', propagate: true });
    const client = new PveClient({
      hosts: [emulator.server.url],
      credentials: { tokenId: 'ops@pve!ci', tokenSecret: 'ops-secret' },
      tls: { fingerprint: emulator.server.fingerprint },
    });
    running.push(client);
    const api = new PveApi(client, { pollMs: 2, maxPollMs: 5 });
    const ctx: HandlerContext = { api, inventory: await emulator.api.clusterResources(), stack: 'acme' };
    const iso = file({ source_file: { path: localFile('virtio-win.iso', Buffer.alloc(2048)) } });
    const error = await fileHandler.apply(ctx, iso, await planOf(ctx, iso), undefined).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'PVE_PERMISSION' });
    expect((error as Error).message).toContain(
      'acme/acme-main/UserData: POST /nodes/pve1/storage/local/upload: Permission check failed (/storage/local, Datastore.AllocateTemplate)',
    );
    expect(await storage.content('pve1', 'local', 'iso')).toEqual([]);
  });

  it('GIVEN a file name Proxmox would change WHEN created THEN it is refused before anything is sent; a URL source never reaches the handler', async () => {
    const { emulator, ctx } = await setup();
    const writes = emulator.server.emulator.stats.writes;
    const spaced = file({ source_file: { path: localFile('virtio win.iso', Buffer.alloc(10)) } });
    await expect(fileHandler.apply(ctx, spaced, await planOf(ctx, spaced), undefined)).rejects.toThrow(
      'cannot upload local:iso/virtio win.iso on pve1: Proxmox would store it as virtio_win.iso',
    );
    // The contract refuses a URL (synth does, and so does the engine for a hand-made plan).
    expect(() => file({ source_file: { path: 'https://example.invalid/debian.iso' } })).toThrow(
      'source_file.path: a URL is not downloaded by pvecdk yet: download it and give its local path',
    );
    expect(emulator.server.emulator.stats.writes).toBe(writes);
  });

  it('GIVEN a storage without that content type, or a missing source file WHEN planned THEN the error names the resource and what to do', async () => {
    const { state, ctx } = await setup();
    await expect(planOf(ctx, snippet('x', { datastore_id: 'local-lvm' }))).rejects.toMatchObject({
      code: 'ENGINE_CANNOT_APPLY',
      message: expect.stringContaining(
        "acme/acme-main/UserData: storage 'local-lvm' on pve1 does not hold snippets (its content types are images,rootdir)",
      ),
      hint: expect.stringContaining('enable snippets on it'),
    });
    placeStorageFile(state, { node: 'pve1', storage: 'local', content: 'iso', name: 'gone.iso', size: 1 });
    await expect(planOf(ctx, file({ source_file: { path: '/nonexistent/gone.iso' } }))).rejects.toThrow(
      expect.objectContaining({
        message: 'acme/acme-main/UserData: source_file.path /nonexistent/gone.iso: ENOENT',
        hint: expect.stringMatching(/^fix the path/),
      }),
    );
  });
});
