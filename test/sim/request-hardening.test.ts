import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_POST_BYTES } from '../../lib/sim/request-admission.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/testing.ts';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(async () => {
  await env.close();
});

interface RawAnswer {
  status: number;
  reason: string;
  body: string;
  /** Bytes of the body written when the answer arrived. */
  sent: number;
}

/**
 * Sends a request that declares `declared` body bytes but writes only the
 * first 64 KiB, and waits for the answer: an answer proves the emulator
 * decided without the rest of the body.
 */
function declareBody(path: string, declared: number, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = request(
      `${env.server.url}/api2/json${path}`,
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(declared),
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString('utf8');
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body, sent });
          req.destroy();
        });
      },
    );
    // The peer may close while we write: that is the point.
    req.on('error', (e) => (sent > 0 ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    req.write(chunk, () => {
      sent += chunk.length;
    });
  });
}

const rootAuth = () => ({ authorization: `PVEAPIToken=${env.server.tokenId}=${env.server.tokenSecret}` });

describe('request bodies as pveproxy takes them (pve-http-server AnyEvent.pm)', () => {
  it('GIVEN an authenticated POST declaring a 600 MiB body WHEN sent THEN "501 for data too large" answers before the body is read', async () => {
    const answer = await declareBody('/access/users', 600 * 1024 * 1024, rootAuth());
    expect(answer.status).toBe(501);
    expect(answer.reason).toBe('for data too large');
    expect(answer.sent).toBeLessThan(600 * 1024 * 1024);
  });

  it('GIVEN a POST declaring a body just over 512 KiB WHEN sent THEN it is refused; a body of 512 KiB is read and handled', async () => {
    const over = await declareBody('/access/users', MAX_POST_BYTES + 1, rootAuth());
    expect(over.status).toBe(501);
    const prefix = 'userid=limit@pve&comment=';
    const body = prefix + 'x'.repeat(MAX_POST_BYTES - prefix.length);
    const atLimit = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${env.server.url}/api2/json/access/users`,
        {
          method: 'POST',
          rejectUnauthorized: false,
          headers: { ...rootAuth(), 'content-type': 'application/x-www-form-urlencoded' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString('utf8');
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    // Read whole and checked: the comment is longer than Proxmox allows.
    expect(atLimit.status).toBe(400);
    expect(JSON.parse(atLimit.body)).toMatchObject({
      errors: { comment: 'value may only be 2048 characters long' },
    });
  });

  it('GIVEN a caller without credentials WHEN it declares a huge body THEN 401 answers first, without the body, and nothing changes', async () => {
    const users = Object.keys(env.server.emulator.state.users).length;
    const answer = await declareBody('/access/users', 600 * 1024 * 1024, {
      authorization: 'PVEAPIToken=root@pam!pvecdk=wrong',
    });
    expect(answer.status).toBe(401);
    expect(Object.keys(env.server.emulator.state.users)).toHaveLength(users);
  });

  it('GIVEN chunked transfer encoding WHEN posted THEN 501 as pveproxy answers it', async () => {
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = request(
        `${env.server.url}/api2/json/access/users`,
        {
          method: 'POST',
          rejectUnauthorized: false,
          headers: { ...rootAuth(), 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body: '', sent: 0 }),
          );
        },
      );
      req.on('error', reject);
      req.end('userid=chunked@pve');
    });
    expect(answer).toMatchObject({ status: 501, reason: 'chunked transfer encoding not supported' });
  });
});
