import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { intLike, PveApi, PveClient, type PveClientOptions, PveError } from '../../lib/pve/index.ts';
import {
  closedPort,
  type Fixture,
  type FixtureCert,
  makeCert,
  type Reply,
  startFixture,
} from './https-fixture.ts';

const TOKEN = { tokenId: 'root@pam!pvecdk', tokenSecret: '8d1c5c4e-secret-value' };
let cert: FixtureCert;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  cert = makeCert();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function serve(handler: (r: import('./https-fixture.ts').Seen) => Reply): Promise<Fixture> {
  const f = await startFixture(cert, handler);
  open.push(f);
  return f;
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

const ok = (data: unknown): Reply => ({ json: { data } });

async function error(p: Promise<unknown>): Promise<PveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PveError) return e;
    throw e;
  }
  throw new Error('expected a PveError');
}

describe('PveClient', () => {
  it('GIVEN an API token WHEN a GET is sent THEN the PVEAPIToken header goes along and data is validated', async () => {
    const f = await serve(() => ok('105'));
    const c = client([f.url]);
    expect(await c.get('/cluster/nextid', {}, intLike)).toBe(105);
    expect(f.seen[0]!.headers.authorization).toBe('PVEAPIToken=root@pam!pvecdk=8d1c5c4e-secret-value');
  });

  it('GIVEN params WHEN sent THEN GET uses the query and POST a form body with booleans as 0/1', async () => {
    const f = await serve(() => ok(null));
    const c = client([f.url]);
    await c.get('/cluster/resources', { type: 'vm' });
    await c.post('/nodes/pve1/qemu/100/config', {
      onboot: true,
      cores: 4,
      delete: 'net1',
      skipped: undefined,
    });
    expect(f.seen[0]!.query.get('type')).toBe('vm');
    expect(Object.fromEntries(f.seen[1]!.body)).toEqual({ onboot: '1', cores: '4', delete: 'net1' });
    expect(f.seen[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('GIVEN a wrong pinned fingerprint WHEN connecting THEN PVE_TLS names expected and actual', async () => {
    const f = await serve(() => ok(1));
    const wrong = 'AA:'.repeat(31) + 'AA';
    const e = await error(client([f.url], { tls: { fingerprint: wrong } }).get('/version'));
    expect(e.code).toBe('PVE_TLS');
    expect(e.message).toContain('does not match the pinned fingerprint');
    expect(e.message).toContain(`expected ${wrong}, got ${cert.fingerprint}`);
  });

  it('GIVEN no pin and no CA WHEN the certificate is self-signed THEN it is refused; with the CA file it is trusted', async () => {
    const f = await serve(() => ok({ version: '8.4.1', release: '8.4', repoid: 'abc' }));
    const refused = await error(client([f.url], { tls: {} }).get('/version'));
    expect(refused.code).toBe('PVE_TLS');
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-ca-'));
    writeFileSync(join(dir, 'ca.pem'), cert.cert);
    const api = new PveApi(client([f.url], { tls: { caFile: join(dir, 'ca.pem') } }));
    expect((await api.version()).release).toBe('8.4');
  });

  it('GIVEN a first host that is down WHEN a call is made THEN the fallback answers and is remembered', async () => {
    const f = await serve(() => ok('ok'));
    const down = await closedPort();
    const c = client([down, f.url]);
    expect(await c.post('/nodes/pve1/qemu/100/status/start')).toBe('ok');
    expect(await c.get('/version')).toBe('ok');
    expect(f.seen).toHaveLength(2);
  });

  it('GIVEN no host answers WHEN a call is made THEN PVE_CONNECTION lists each host tried', async () => {
    const a = await closedPort();
    const b = await closedPort();
    const e = await error(client([a, b], { backoff: { attempts: 1, baseMs: 1, maxMs: 1 } }).get('/version'));
    expect(e.code).toBe('PVE_CONNECTION');
    expect(e.message).toContain(`GET /version: no host answered: ${a} (ECONNREFUSED), ${b} (ECONNREFUSED)`);
  });

  it('GIVEN transient 500s and a reset WHEN a GET is sent THEN it is retried until it succeeds', async () => {
    let n = 0;
    const f = await serve(() => {
      n += 1;
      if (n === 1) return { status: 500, statusText: 'proxy error' };
      if (n === 2) return { reset: true };
      return ok([]);
    });
    expect(await client([f.url]).get('/nodes')).toEqual([]);
    expect(f.seen).toHaveLength(3);
  });

  it('GIVEN a 500 that may have happened WHEN a POST gets it THEN it is not repeated', async () => {
    const f = await serve(() => ({ status: 500, statusText: 'unable to create VM 100 - something' }));
    const e = await error(client([f.url]).post('/nodes/pve1/qemu', { vmid: 100 }));
    expect(e.code).toBe('PVE_SERVER');
    expect(f.seen).toHaveLength(1);
  });

  it('GIVEN a lock timeout WHEN a POST gets it THEN it is retried, since Proxmox changed nothing', async () => {
    let n = 0;
    const f = await serve(() =>
      ++n === 1
        ? { status: 500, statusText: "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout" }
        : ok(null),
    );
    expect(await client([f.url]).post('/nodes/pve1/qemu/100/config', { cores: 2 })).toBeNull();
    expect(f.seen).toHaveLength(2);
  });

  it('GIVEN a 400 WHEN a call fails validation THEN the per-parameter errors are in the error', async () => {
    const f = await serve(() => ({
      status: 400,
      statusText: 'Parameter verification failed.',
      json: { data: null, errors: { cores: "type check ('integer') failed - got 'abc'" } },
    }));
    const e = await error(client([f.url]).post('/nodes/pve1/qemu/100/config', { cores: 'abc' }));
    expect(e.code).toBe('PVE_VALIDATION');
    expect(e.paramErrors).toEqual({ cores: "type check ('integer') failed - got 'abc'" });
    expect(e.message).toContain(
      "POST /nodes/pve1/qemu/100/config: Parameter verification failed.\n  cores: type check ('integer') failed - got 'abc'",
    );
  });

  it('GIVEN 401, 403 and 501 WHEN calls fail THEN each has its code and a hint, and no secret is shown', async () => {
    const f = await serve((r) =>
      r.path === '/a'
        ? { status: 401, statusText: 'Authentication failed!' }
        : r.path === '/b'
          ? { status: 403, statusText: 'Permission check failed (/vms/100, VM.Config.Memory)' }
          : { status: 501, statusText: "Method 'GET /c' not implemented" },
    );
    const c = client([f.url]);
    const errors = [await error(c.get('/a')), await error(c.get('/b')), await error(c.get('/c'))];
    expect(errors.map((e) => e.code)).toEqual(['PVE_AUTH', 'PVE_PERMISSION', 'PVE_NOT_FOUND']);
    expect(errors[1]!.message).toContain('Permission check failed (/vms/100, VM.Config.Memory)');
    for (const e of errors) expect(`${e.message} ${e.stack}`).not.toContain(TOKEN.tokenSecret);
    expect(inspect(c)).not.toContain(TOKEN.tokenSecret);
    expect(String(c)).toBe(`PveClient { hosts: ${JSON.stringify([f.url])}, identity: "root@pam!pvecdk" }`);
  });

  it('GIVEN ticket auth WHEN writing THEN it logs in once, sends cookie and CSRF token, and logs in again after a 401', async () => {
    let logins = 0;
    let expired = false;
    const f = await serve((r) => {
      if (r.path === '/access/ticket') {
        logins += 1;
        return ok({
          ticket: `PVE:ops@pve:T${logins}`,
          CSRFPreventionToken: `C${logins}`,
          username: 'ops@pve',
        });
      }
      if (r.path === '/expire') {
        expired = true;
        return ok(null);
      }
      if (expired && r.headers.cookie === 'PVEAuthCookie=PVE:ops@pve:T1')
        return { status: 401, statusText: 'Authentication failed!' };
      return ok({ cookie: r.headers.cookie, csrf: r.headers.csrfpreventiontoken ?? null });
    });
    const c = client([f.url], { credentials: { username: 'ops@pve', password: 'hunter2' } });
    expect(await c.post('/x')).toEqual({ cookie: 'PVEAuthCookie=PVE:ops@pve:T1', csrf: 'C1' });
    expect(await c.get('/y')).toEqual({ cookie: 'PVEAuthCookie=PVE:ops@pve:T1', csrf: null });
    await c.get('/expire');
    expect(await c.post('/z')).toEqual({ cookie: 'PVEAuthCookie=PVE:ops@pve:T2', csrf: 'C2' });
    expect(logins).toBe(2);
    expect(Object.fromEntries(f.seen[0]!.body)).toEqual({ username: 'ops@pve', password: 'hunter2' });
  });

  it('GIVEN a concurrency limit WHEN many calls run at once THEN the server never sees more in flight', async () => {
    const f = await serve(() => ({ ...ok(1), delayMs: 20 }));
    const c = client([f.url], { concurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, () => c.get('/version')));
    expect(f.seen).toHaveLength(12);
    expect(f.maxInFlight).toBe(3);
  });

  it('GIVEN several tokens for a remote WHEN none is named THEN the first is used; WHEN one is named THEN that one', async () => {
    const f = await serve(() => ok(null));
    const tokens = [TOKEN, { tokenId: 'root@pam!audit', tokenSecret: 'second-secret' }];
    await client([f.url], { credentials: { tokens } }).get('/version');
    await client([f.url], { credentials: { tokens, use: 'root@pam!audit' } }).get('/version');
    expect(f.seen.map((s) => s.headers.authorization)).toEqual([
      'PVEAPIToken=root@pam!pvecdk=8d1c5c4e-secret-value',
      'PVEAPIToken=root@pam!audit=second-secret',
    ]);
    expect(() => client([f.url], { credentials: { tokens, use: 'root@pam!nope' } })).toThrow(
      "no API token 'root@pam!nope' among the remote's tokens (root@pam!pvecdk, root@pam!audit)",
    );
  });

  it('GIVEN a locked VM WHEN a POST is refused THEN it is retried; WHEN the connection resets after sending THEN it is not', async () => {
    let n = 0;
    const f = await serve((r) => {
      if (r.path === '/reset') return { reset: true };
      return ++n === 1 ? { status: 500, statusText: 'VM is locked (clone)' } : ok('UPID');
    });
    const c = client([f.url]);
    expect(await c.post('/nodes/pve1/qemu/100/status/start')).toBe('UPID');
    const e = await error(c.post('/reset', { vmid: 100 }));
    expect(e.code).toBe('PVE_CONNECTION');
    expect(e.message).toContain('may have reached the server');
    expect(f.seen.map((s) => s.path)).toEqual([
      '/nodes/pve1/qemu/100/status/start',
      '/nodes/pve1/qemu/100/status/start',
      '/reset',
    ]);
  });

  it('GIVEN ticket auth with a wrong password WHEN a call fails THEN neither password nor ticket shows in errors or inspect', async () => {
    const f = await serve((r) =>
      r.path === '/access/ticket' ? { status: 401, statusText: 'authentication failure' } : ok(null),
    );
    const c = client([f.url], { credentials: { username: 'ops@pve', password: 'hunter2-secret' } });
    const e = await error(c.get('/version'));
    expect(e.code).toBe('PVE_AUTH');
    expect(`${e.message} ${e.stack} ${inspect(e)}`).not.toContain('hunter2-secret');
    expect(inspect(c, { showHidden: true, depth: 5 })).not.toContain('hunter2-secret');
    expect(JSON.stringify(c)).not.toContain('hunter2-secret');
  });
});
