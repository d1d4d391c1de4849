import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PveClient, type PveClientOptions, PveError } from '../../lib/pve/index.ts';
import { type Fixture, type FixtureCert, makeCert, startFixture } from './https-fixture.ts';

const TOKEN = { tokenId: 'root@pam!pvecdk', tokenSecret: '0b7e1a5c-tls-secret' };
const DAY = 86_400_000;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** A loopback HTTPS server with `cert` that records every request it gets. */
async function serving(cert: FixtureCert): Promise<Fixture> {
  const f = await startFixture(cert, () => ({ json: { data: { version: '8.4.1' } } }));
  open.push(f);
  return f;
}

function client(url: string, tls: PveClientOptions['tls']): PveClient {
  const c = new PveClient({
    hosts: [url],
    credentials: TOKEN,
    tls,
    backoff: { attempts: 2, baseMs: 1, maxMs: 2 },
  });
  open.push(c);
  return c;
}

async function refusal(p: Promise<unknown>): Promise<PveError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PveError);
  return e as PveError;
}

function caFile(cert: FixtureCert): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pvecdk-tls-')), 'ca.pem');
  writeFileSync(file, cert.cert);
  return file;
}

describe('TLS refusals: nothing is sent to a server whose certificate is not trusted', () => {
  it('GIVEN a pinned fingerprint that is not the server certificate WHEN a read and a write are sent THEN both are refused with PVE_TLS naming both fingerprints, and the server saw no request', async () => {
    const cert = makeCert();
    const f = await serving(cert);
    const wrong = 'AB:'.repeat(31) + 'AB';
    const c = client(f.url, { fingerprint: wrong });
    for (const call of [c.get('/version'), c.post('/pools', { poolid: 'x' })]) {
      const e = await refusal(call);
      expect(e.code).toBe('PVE_TLS');
      expect(e.message).toContain(`expected ${wrong}, got ${cert.fingerprint}`);
    }
    expect(f.seen).toEqual([]);
  });

  it('GIVEN a self-signed certificate and neither pin nor CA WHEN a call is sent THEN PVE_TLS says it is not trusted and how to trust it, and the server saw no request', async () => {
    const f = await serving(makeCert());
    const e = await refusal(client(f.url, {}).get('/version'));
    expect(e.code).toBe('PVE_TLS');
    expect(e.message).toMatch(
      /certificate not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
    );
    expect(e.hint).toContain('pin the certificate fingerprint');
    expect(f.seen).toEqual([]);
  });

  it('GIVEN an expired certificate WHEN it is pinned THEN it is refused all the same, saying when it expired; the server saw no request', async () => {
    const expired = makeCert('127.0.0.1', {
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const f = await serving(expired);
    const e = await refusal(client(f.url, { fingerprint: expired.fingerprint }).get('/version'));
    expect(e.code).toBe('PVE_TLS');
    expect(e.message).toMatch(/certificate of 127\.0\.0\.1:\d+ expired on \d{4}-\d\d-\d\dT/);
    expect(e.hint).toContain('renew the node certificate');
    expect(f.seen).toEqual([]);
  });

  it('GIVEN an expired certificate WHEN trusted through its CA file THEN PVE_TLS says it has expired; the server saw no request', async () => {
    const expired = makeCert('127.0.0.1', {
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const f = await serving(expired);
    const e = await refusal(client(f.url, { caFile: caFile(expired) }).get('/version'));
    expect(e.code).toBe('PVE_TLS');
    expect(e.message).toContain('the certificate has expired (CERT_HAS_EXPIRED)');
    expect(f.seen).toEqual([]);
  });

  it('GIVEN a certificate not valid yet WHEN pinned THEN it is refused, saying from when it is valid', async () => {
    const early = makeCert('127.0.0.1', {
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
    });
    const f = await serving(early);
    const e = await refusal(client(f.url, { fingerprint: early.fingerprint }).get('/version'));
    expect(e.message).toMatch(/is not valid before \d{4}-/);
    expect(f.seen).toEqual([]);
  });

  it('GIVEN a valid certificate WHEN pinned THEN the call goes through (the refusals above are about the certificate)', async () => {
    const cert = makeCert();
    const f = await serving(cert);
    await expect(client(f.url, { fingerprint: cert.fingerprint }).get('/version')).resolves.toEqual({
      version: '8.4.1',
    });
    expect(f.seen).toHaveLength(1);
  });
});
