import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StorageApi } from '../../lib/pve/api/storage.ts';
import { PveClient, type PveClientOptions, PveError } from '../../lib/pve/index.ts';
import { closedPort, type FixtureCert, makeCert } from './https-fixture.ts';

/** A request as it arrived, body bytes untouched. */
interface RawSeen {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

interface RawReply {
  readonly status?: number;
  readonly json?: unknown;
  readonly reset?: boolean;
  readonly delayMs?: number;
}

interface RawFixture {
  readonly url: string;
  readonly seen: RawSeen[];
  maxInFlight: number;
  close(): Promise<void>;
}

const TOKEN = { tokenId: 'root@pam!pvecdk', tokenSecret: '8d1c5c4e-secret-value' };
const UPID = 'UPID:pve1:0003A000:0157C0DE:66500000:imgcopy::root@pam!pvecdk:';
let cert: FixtureCert;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  cert = makeCert();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** An HTTPS server on 127.0.0.1 that keeps each request's raw body. */
async function serve(handler: (req: RawSeen) => RawReply): Promise<RawFixture> {
  const seen: RawSeen[] = [];
  let inFlight = 0;
  const fixture = { seen, maxInFlight: 0 } as RawFixture;
  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    inFlight += 1;
    fixture.maxInFlight = Math.max(fixture.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: RawSeen = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'https://x'),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(entry);
      const reply = handler(entry);
      setTimeout(() => {
        inFlight -= 1;
        if (reply.reset) {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json;charset=UTF-8' });
        res.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const closing = Object.assign(fixture, {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  open.push(closing);
  return closing;
}

function client(hosts: string[], extra: Partial<PveClientOptions> = {}): PveClient {
  const c = new PveClient({
    hosts,
    credentials: TOKEN,
    tls: { fingerprint: cert.fingerprint },
    backoff: { attempts: 4, baseMs: 1, maxMs: 5 },
    ...extra,
  });
  open.push(c);
  return c;
}

const upid = (): RawReply => ({ json: { data: UPID } });

async function failure(p: Promise<unknown>): Promise<PveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PveError) return e;
    throw e;
  }
  throw new Error('expected a PveError');
}

function localFile(data: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pvecdk-upload-')), 'disk.iso');
  writeFileSync(path, data);
  return path;
}

describe('PveClient.upload', () => {
  it("GIVEN an ISO upload WHEN sent THEN it is one multipart/form-data POST with Content-Length, the token, and the fields before the file in Proxmox's order", async () => {
    const f = await serve(upid);
    const storage = new StorageApi(client([f.url]));
    const data = Buffer.from('ISO bytes\r\n--not-a-boundary\r\n');
    expect(
      await storage.startUpload('pve1', 'local', {
        content: 'iso',
        file: { name: 'netinst.iso', data },
        checksum: { algorithm: 'sha256', value: 'ab'.repeat(32) },
      }),
    ).toBe(UPID);

    expect(f.seen).toHaveLength(1);
    const [req] = f.seen;
    expect(req!.method).toBe('POST');
    expect(req!.url.pathname).toBe('/api2/json/nodes/pve1/storage/local/upload');
    expect(req!.headers.authorization).toBe('PVEAPIToken=root@pam!pvecdk=8d1c5c4e-secret-value');
    expect(req!.headers['transfer-encoding']).toBeUndefined();
    expect(Number(req!.headers['content-length'])).toBe(req!.body.byteLength);
    const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(String(req!.headers['content-type']))?.[1];
    expect(boundary).toMatch(/^----pvecdk[0-9a-f]{32}$/);
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    expect(req!.body.toString('latin1')).toBe(
      part('content', 'iso') +
        part('checksum-algorithm', 'sha256') +
        part('checksum', 'ab'.repeat(32)) +
        `--${boundary}\r\nContent-Disposition: form-data; name="filename"; filename="netinst.iso"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n' +
        `${data.toString('latin1')}\r\n--${boundary}--\r\n`,
    );
  });

  it('GIVEN fields Proxmox does not read from an upload body WHEN sent THEN they go in the query string', async () => {
    const f = await serve(upid);
    await client([f.url]).upload(
      '/nodes/pve1/storage/local/upload',
      { checksum: 'cd', 'checksum-algorithm': 'md5', content: 'vztmpl', extra: true, skipped: undefined },
      { name: 'base.tar.zst', data: Buffer.from('x') },
    );
    const body = f.seen[0]!.body.toString('latin1');
    expect([...body.matchAll(/; name="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'content',
      'checksum-algorithm',
      'checksum',
      'filename',
    ]);
    expect(Object.fromEntries(f.seen[0]!.url.searchParams)).toEqual({ extra: '1' });
  });

  it('GIVEN a file on disk WHEN uploaded THEN its bytes are streamed unchanged with the exact length', async () => {
    const f = await serve(upid);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await new StorageApi(client([f.url])).startUpload('pve1', 'local', {
      content: 'iso',
      file: { name: 'big.iso', path: localFile(data) },
    });
    const body = f.seen[0]!.body;
    expect(Number(f.seen[0]!.headers['content-length'])).toBe(body.byteLength);
    const start = body.indexOf('\r\n\r\n', body.indexOf('filename="big.iso"')) + 4;
    expect(body.subarray(start, start + data.byteLength).equals(data)).toBe(true);
    expect(body.subarray(start + data.byteLength).toString('latin1')).toMatch(/^\r\n--[-\w]+--\r\n$/);
  });

  it('GIVEN ticket credentials WHEN uploading THEN the ticket cookie and the CSRF token go along', async () => {
    const f = await serve((r) =>
      r.url.pathname.endsWith('/access/ticket')
        ? { json: { data: { ticket: 'PVE:root@pam:66500000::sig', CSRFPreventionToken: '66500000:csrf' } } }
        : upid(),
    );
    const c = client([f.url], { credentials: { username: 'root@pam', password: 'pw' } });
    await c.upload(
      '/nodes/pve1/storage/local/upload',
      { content: 'iso' },
      { name: 'a.iso', data: Buffer.from('a') },
    );
    const upload = f.seen.find((r) => r.url.pathname.endsWith('/upload'))!;
    expect(upload.headers.cookie).toBe('PVEAuthCookie=PVE:root@pam:66500000::sig');
    expect(upload.headers.csrfpreventiontoken).toBe('66500000:csrf');
  });

  it('GIVEN a 5xx or a reset after the upload was sent WHEN uploading THEN it is not sent again', async () => {
    const failing = await serve(() => ({ status: 500, json: { data: null, message: 'import failed\n' } }));
    const e500 = await failure(
      client([failing.url]).upload(
        '/nodes/pve1/storage/local/upload',
        { content: 'iso' },
        { name: 'a.iso', data: Buffer.from('a') },
      ),
    );
    expect(e500.code).toBe('PVE_SERVER');
    expect(failing.seen).toHaveLength(1);

    const resetting = await serve(() => ({ reset: true }));
    const reset = await failure(
      client([resetting.url]).upload(
        '/nodes/pve1/storage/local/upload',
        { content: 'iso' },
        { name: 'a.iso', path: localFile(Buffer.from('abc')) },
      ),
    );
    expect(reset.code).toBe('PVE_CONNECTION');
    expect(reset.message).toContain('the request may have reached the server');
    expect(resetting.seen).toHaveLength(1);
  });

  it('GIVEN a first host that refuses connections WHEN uploading a file or a stream THEN the next host gets it, since nothing was sent', async () => {
    const f = await serve(upid);
    const c = client([await closedPort(), f.url]);
    await c.upload(
      '/nodes/pve1/storage/local/upload',
      { content: 'iso' },
      { name: 'a.iso', path: localFile(Buffer.from('file')) },
    );
    const c2 = client([await closedPort(), f.url]);
    await c2.upload(
      '/nodes/pve1/storage/local/upload',
      { content: 'iso' },
      { name: 'b.iso', stream: Readable.from([Buffer.from('str'), Buffer.from('eam')]), size: 6 },
    );
    expect(f.seen.map((r) => r.body.toString('latin1').match(/\r\n\r\n(file|stream)\r\n--/)?.[1])).toEqual([
      'file',
      'stream',
    ]);
  });

  it('GIVEN a stream shorter than its announced size WHEN uploading THEN the upload is aborted with what went wrong, and not retried', async () => {
    const f = await serve(upid);
    const e = await failure(
      client([f.url]).upload(
        '/nodes/pve1/storage/local/upload',
        { content: 'iso' },
        { name: 'short.iso', stream: Readable.from([Buffer.from('abc')]), size: 10 },
      ),
    );
    expect(e.code).toBe('PVE_CONNECTION');
    expect(e.message).toContain(
      'upload of short.iso aborted: it ended after 3 of the 10 bytes announced (it changed while sent?); nothing was stored',
    );
    expect(f.seen.filter((r) => r.body.byteLength > 0 && r.body.includes('abc\r\n--'))).toHaveLength(0);
  });

  it('GIVEN a concurrency of 1 WHEN two uploads and a GET run at once THEN one request is in flight at a time', async () => {
    const f = await serve((r) => ({
      ...(r.method === 'GET' ? { json: { data: [] } } : upid()),
      delayMs: 20,
    }));
    const c = client([f.url], { concurrency: 1 });
    const send = (name: string) =>
      c.upload('/nodes/pve1/storage/local/upload', { content: 'iso' }, { name, data: Buffer.alloc(1000) });
    await Promise.all([send('a.iso'), send('b.iso'), c.get('/nodes/pve1/storage/local/content')]);
    expect(f.seen).toHaveLength(3);
    expect(f.maxInFlight).toBe(1);
  });

  it('GIVEN a file name with a quote or a field value with a line break WHEN uploading THEN it is refused before sending', async () => {
    const c = client(['https://127.0.0.1:9']);
    await expect(
      c.upload(
        '/nodes/pve1/storage/local/upload',
        { content: 'iso' },
        { name: 'a".iso', data: Buffer.from('') },
      ),
    ).rejects.toThrow('upload file name "a\\".iso": empty, or holds a quote, backslash or line break');
    await expect(
      c.upload(
        '/nodes/pve1/storage/local/upload',
        { content: 'iso\r\n' },
        { name: 'a.iso', data: Buffer.from('') },
      ),
    ).rejects.toThrow('upload field content: a value cannot hold a line break');
  });
});
