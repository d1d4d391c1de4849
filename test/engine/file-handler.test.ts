import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileHandler } from '../../lib/engine/handlers/file-handler.ts';
import type { DesiredResource, HandlerContext } from '../../lib/engine/handlers/handler.ts';
import { StorageApi } from '../../lib/pve/api/storage.ts';
import { placeStorageFile } from '../../lib/sim/api/storage-files.ts';
import { startTestEmulator } from '../../lib/sim/index.ts';

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
  return { state: emulator.sim.simulator.state, storage, ctx };
}

const file = (properties: Record<string, unknown>): DesiredResource => ({
  id: 'UserData',
  type: 'proxmox_virtual_environment_file',
  path: 'acme/acme-main/UserData',
  properties: { node_name: 'pve1', datastore_id: 'local', ...properties },
});

const snippet = (data: string, extra: Record<string, unknown> = {}) =>
  file({ content_type: 'snippets', source_raw: { data, file_name: 'acme-main.yaml' }, ...extra });

async function planOf(ctx: HandlerContext, r: DesiredResource) {
  return fileHandler.plan(r, await fileHandler.read(ctx, r));
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
      /^acme\/acme-main\/UserData: cannot upload local:snippets\/acme-main\.yaml on pve1: Proxmox takes snippets only over SSH.*nothing was changed\n {2}hint: copy the file/,
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
    expect(fileHandler.plan(snippet(data), observed).action).toBe('no-op');
    // local is not shared: the same snippet on another node is another file.
    expect((await planOf(ctx, file({ ...snippet(data).properties, node_name: 'pve2' }))).action).toBe(
      'create',
    );

    const longer = `${data}timezone: Europe/Paris\n`;
    const replace = await planOf(ctx, snippet(longer));
    expect(replace).toEqual({
      action: 'replace',
      changes: [{ key: 'file_size', from: data.length, to: longer.length, forcesReplacement: true }],
      destroysData: false,
    });
    await expect(fileHandler.apply(ctx, snippet(longer), replace, observed)).rejects.toThrow(
      'cannot replace local:snippets/acme-main.yaml on pve1',
    );
    expect(await listed()).toEqual([['local:snippets/acme-main.yaml', data.length]]);
    expect((await planOf(ctx, snippet(longer, { overwrite: false }))).action).toBe('no-op');

    await fileHandler.delete(ctx, observed!.attributes);
    expect(await listed()).toEqual([]);
    expect((await planOf(ctx, snippet(data))).action).toBe('create');
  });

  it('GIVEN an ISO from a local file WHEN planned THEN its content type comes from the name, its size from the file, and creating it says why it cannot upload yet', async () => {
    const { state, ctx } = await setup();
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-file-'));
    writeFileSync(join(dir, 'virtio-win.iso'), Buffer.alloc(4096, 1));
    const iso = file({ source_file: { path: join(dir, 'virtio-win.iso') } });
    const create = await planOf(ctx, iso);
    expect(create.action).toBe('create');
    await expect(fileHandler.apply(ctx, iso, create, undefined)).rejects.toThrow(
      'cannot upload local:iso/virtio-win.iso on pve1: Proxmox takes it only as a multipart/form-data upload',
    );
    placeStorageFile(state, {
      node: 'pve1',
      storage: 'local',
      content: 'iso',
      name: 'virtio-win.iso',
      size: 4096,
    });
    expect((await planOf(ctx, iso)).action).toBe('no-op');
    writeFileSync(join(dir, 'virtio-win.iso'), Buffer.alloc(8192, 1));
    expect((await planOf(ctx, iso)).changes).toEqual([
      { key: 'file_size', from: 4096, to: 8192, forcesReplacement: true },
    ]);
  });

  it('GIVEN a storage without that content type, or a missing source file WHEN planned THEN the error names the resource and what to do', async () => {
    const { state, ctx } = await setup();
    await expect(planOf(ctx, snippet('x', { datastore_id: 'local-lvm' }))).rejects.toThrow(
      "acme/acme-main/UserData: storage 'local-lvm' on pve1 does not hold snippets (its content types are images,rootdir); enable snippets on it",
    );
    placeStorageFile(state, { node: 'pve1', storage: 'local', content: 'iso', name: 'gone.iso', size: 1 });
    await expect(planOf(ctx, file({ source_file: { path: '/nonexistent/gone.iso' } }))).rejects.toThrow(
      /^acme\/acme-main\/UserData: source_file\.path \/nonexistent\/gone\.iso: ENOENT\n {2}hint: fix the path/,
    );
  });
});
