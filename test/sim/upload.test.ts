import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageApi } from '../../lib/pve/api/storage.ts';
import { PveError } from '../../lib/pve/index.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

async function emulator(): Promise<TestEmulator> {
  const e = await startTestEmulator({});
  running.push(e);
  return e;
}

async function failure(p: Promise<unknown>): Promise<PveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PveError) return e;
    throw e;
  }
  throw new Error('expected a PveError');
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const BOUNDARY = 'xYzZY';

/** A multipart body of `[name, value]` fields and `[name, filename, bytes]` files, in the order given. */
function multipart(parts: Array<[string, string] | [string, string, Buffer]>): Buffer {
  return Buffer.concat([
    ...parts.map(([name, value, bytes]) =>
      bytes
        ? Buffer.concat([
            Buffer.from(
              `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${value}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
            ),
            bytes,
            Buffer.from('\r\n'),
          ])
        : Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    ),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ]);
}

/** One raw request to the emulator with its root token (unless `auth` is false). */
async function raw(
  e: TestEmulator,
  path: string,
  body: Buffer | Readable,
  options: { contentType?: string; auth?: boolean } = {},
) {
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    const res = await request(`${e.server.url}/api2/json${path}`, {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`,
        ...(options.auth === false
          ? {}
          : { authorization: `PVEAPIToken=${e.server.tokenId}=${e.server.tokenSecret}` }),
      },
      body,
      dispatcher: agent,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      reason: res.statusText,
      json: text.startsWith('{') ? JSON.parse(text) : undefined,
    };
  } finally {
    await agent.close();
  }
}

const UPLOAD = '/nodes/pve1/storage/local/upload';

describe('emulator: storage upload', () => {
  it("GIVEN an ISO upload WHEN its task ends THEN the content listing shows it, the task log reads like Proxmox's, and a second upload of the name overwrites it", async () => {
    const e = await emulator();
    const storage = new StorageApi(e.client, { pollMs: 2, maxPollMs: 5 });
    const data = Buffer.alloc(5000, 3);
    const upid = await storage.uploadFile('pve1', 'local', {
      content: 'iso',
      file: { name: 'debian-12.iso', data },
      checksum: { algorithm: 'sha256', value: sha256(data).toUpperCase() },
    });
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgcopy::root@pam!pvecdk:$/);
    expect(await storage.content('pve1', 'local', 'iso')).toEqual([
      {
        volid: 'local:iso/debian-12.iso',
        content: 'iso',
        format: 'iso',
        size: 5000,
        ctime: expect.any(Number),
      },
    ]);
    expect(e.server.emulator.state.storageFiles?.['pve1/local:iso/debian-12.iso']?.sha256).toBe(sha256(data));
    const log = (await e.api.taskLog(upid)).map((l) => l.t);
    expect(log[0]).toMatch(/^starting file import from: \/var\/tmp\/pveupload-[0-9a-f]+$/);
    expect(log.slice(1)).toEqual([
      'calculating checksum...OK, checksum verified',
      'target node: pve1',
      'target file: /var/lib/vz/template/iso/debian-12.iso',
      'file size is: 5000',
      expect.stringMatching(
        /^command: cp -- \/var\/tmp\/pveupload-[0-9a-f]+ \/var\/lib\/vz\/template\/iso\/debian-12\.iso$/,
      ),
      'finished file import successfully',
      'TASK OK',
    ]);

    await storage.uploadFile('pve1', 'local', {
      content: 'iso',
      file: { name: 'debian-12.iso', data: Buffer.alloc(7) },
    });
    expect((await storage.content('pve1', 'local', 'iso')).map((v) => [v.volid, v.size])).toEqual([
      ['local:iso/debian-12.iso', 7],
    ]);
    // local is not shared: another node has its own files.
    expect(await storage.content('pve2', 'local', 'iso')).toEqual([]);
  });

  it("GIVEN a checksum that does not match WHEN uploaded THEN the task fails with Proxmox's message and nothing is stored", async () => {
    const e = await emulator();
    const storage = new StorageApi(e.client, { pollMs: 2, maxPollMs: 5 });
    const data = Buffer.from('not what was announced');
    const err = await failure(
      storage.uploadFile('pve1', 'local', {
        content: 'iso',
        file: { name: 'a.iso', data },
        checksum: { algorithm: 'md5', value: '0'.repeat(32) },
      }),
    );
    const md5 = createHash('md5').update(data).digest('hex');
    expect(err.code).toBe('PVE_TASK_FAILED');
    expect(err.message).toContain(
      `task imgcopy on pve1 failed: checksum mismatch: got '${md5}' != expect '${'0'.repeat(32)}'`,
    );
    expect(err.taskLog.slice(-2)).toEqual([
      'calculating checksum...',
      `TASK ERROR: checksum mismatch: got '${md5}' != expect '${'0'.repeat(32)}'`,
    ]);
    expect(await storage.content('pve1', 'local', 'iso')).toEqual([]);
  });

  it("GIVEN uploads Proxmox refuses WHEN sent THEN each gets Proxmox's answer: wrong extension, content the storage lacks, a storage without a directory, checksum without its algorithm, snippets", async () => {
    const e = await emulator();
    const storage = new StorageApi(e.client);
    const file = (name: string) => ({ name, data: Buffer.from('x') });

    const ext = await failure(
      storage.startUpload('pve1', 'local', { content: 'iso', file: file('a.qcow2') }),
    );
    expect([ext.status, ext.paramErrors]).toEqual([400, { filename: 'wrong file extension' }]);
    const imp = await failure(
      storage.startUpload('pve1', 'local', { content: 'import', file: file('a.qcow2') }),
    );
    expect([imp.status, imp.message]).toEqual([
      500,
      "POST /nodes/pve1/storage/local/upload: storage 'local' does not support 'import' content",
    ]);
    const lvm = await failure(
      storage.startUpload('pve1', 'local-lvm', { content: 'iso', file: file('a.iso') }),
    );
    expect(lvm.message).toContain("can't upload to storage type 'lvmthin'");
    const half = await failure(e.client.upload(UPLOAD, { content: 'iso', checksum: 'ab' }, file('a.iso')));
    expect(half.paramErrors).toEqual({
      'checksum-algorithm': "missing property - 'checksum' requires this property",
    });
    const snippet = await failure(e.client.upload(UPLOAD, { content: 'snippets' }, file('a.yaml')));
    expect(snippet.paramErrors).toEqual({
      content: "value 'snippets' does not have a value in the enumeration 'iso, vztmpl, import'",
    });
    expect(e.server.emulator.state.storageFiles ?? {}).toEqual({});

    // Proxmox normalizes the name.
    await e.api.waitForTask(
      await storage.startUpload('pve1', 'local', { content: 'iso', file: file('my disk+1.iso') }),
    );
    expect((await storage.content('pve1', 'local', 'iso')).map((v) => v.volid)).toEqual([
      'local:iso/my_disk_1.iso',
    ]);
  });

  it("GIVEN multipart bodies Proxmox's reader refuses WHEN posted THEN 501 as there, after authentication; chunked bodies and multipart elsewhere are refused too", async () => {
    const e = await emulator();
    const iso = Buffer.from('iso');
    const answer = async (
      body: Buffer | Readable,
      options: { contentType?: string; auth?: boolean } = {},
      path = UPLOAD,
    ) => {
      const r = await raw(e, path, body, options);
      return [r.status, r.reason];
    };

    expect(
      await answer(
        multipart([
          ['content', 'iso'],
          ['filename', 'a.iso', iso],
        ]),
      ),
    ).toEqual([200, 'OK']);
    expect(
      await answer(
        multipart([
          ['content', 'iso'],
          ['file', 'a.iso', iso],
        ]),
      ),
    ).toEqual([501, "wrong field name 'file' for file upload, expected 'filename'"]);
    expect(
      await answer(
        multipart([
          ['checksum', 'ab'],
          ['content', 'iso'],
          ['filename', 'a.iso', iso],
        ]),
      ),
    ).toEqual([501, 'upload failed']);
    expect(
      await answer(
        multipart([
          ['filename', 'a.iso', iso],
          ['content', 'iso'],
        ]),
      ),
    ).toEqual([501, 'upload failed']);
    expect(await answer(multipart([['content', 'iso']]))).toEqual([501, 'upload failed']);
    expect(
      await answer(
        multipart([
          ['content', 'iso'],
          ['file', 'a.iso', iso],
        ]),
        { auth: false },
      ),
    ).toEqual([401, 'No ticket']);
    expect(
      await answer(
        Readable.from([
          multipart([
            ['content', 'iso'],
            ['filename', 'a.iso', iso],
          ]),
        ]),
      ),
    ).toEqual([501, 'chunked transfer encoding not supported']);
    expect(
      await answer(
        multipart([
          ['content', 'iso'],
          ['filename', 'a.iso', iso],
        ]),
        {},
        '/nodes/pve1/qemu',
      ),
    ).toEqual([506, `upload 'Content-Type 'multipart/form-data; boundary=${BOUNDARY}' not implemented`]);
    expect(
      await answer(Buffer.from('content=iso&filename=a.iso'), {
        contentType: 'application/x-www-form-urlencoded',
      }),
    ).toEqual([506, "upload 'Content-Type 'application/x-www-form-urlencoded' not implemented"]);
    // Only the first, well-formed upload was stored.
    await e.server.emulator.tasks.drain();
    expect(Object.keys(e.server.emulator.state.storageFiles ?? {})).toEqual(['pve1/local:iso/a.iso']);
  });
});
