import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, isSshError, type SshError } from '../../lib/ssh/index.ts';
import { freePort, type Sshd, skipWithoutSshd, startSshd, targetFor, waitForLog } from './sshd-fixture.ts';

async function caught(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (e) {
    if (isSshError(e)) return e;
    throw e;
  }
  throw new Error('expected an SshError');
}

const OTHER = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

describe.skipIf(skipWithoutSshd)('jump host against two OpenSSH servers', () => {
  let hop: Sshd;
  let guest: Sshd;
  beforeAll(async () => {
    [hop, guest] = await Promise.all([startSshd(), startSshd()]);
  });
  afterAll(async () => {
    await Promise.all([hop?.stop(), guest?.stop()]);
  });

  it('GIVEN a guest behind a jump host WHEN connecting through it THEN commands and uploads reach the guest via a direct-tcpip channel of the hop', async () => {
    const session = await connect(targetFor(guest, { jump: targetFor(hop) }));
    expect(session.target).toBe(
      `${guest.user}@127.0.0.1:${guest.port} via ${hop.user}@127.0.0.1:${hop.port}`,
    );
    expect(session.hostKey.fingerprint).toBe(guest.hostKeyFingerprint);
    const r = await session.exec('echo "$SSH_CONNECTION"', { label: 'where am I' });
    // sshd sees the connection arrive on the guest's port…
    expect(r.stdout.trim().split(' ')[3]).toBe(String(guest.port));
    await session.upload(`${guest.dir}/via-hop.txt`, 'through the hop', { mode: 0o600 });
    expect((await session.download(`${guest.dir}/via-hop.txt`)).toString()).toBe('through the hop');
    // …opened by the hop on our behalf.
    expect(
      await waitForLog(
        hop,
        new RegExp(
          `server_request_direct_tcpip: originator 127\\.0\\.0\\.1 port 0, target 127\\.0\\.0\\.1 port ${guest.port}`,
        ),
      ),
    ).toBe(true);
    await session.close();
  });

  it("GIVEN the guest's host key does not match WHEN connecting through the hop THEN SSH_HOST_KEY names the guest, not the hop", async () => {
    const e = await caught(connect(targetFor(guest, { hostKey: OTHER, jump: targetFor(hop) })));
    expect(e.code).toBe('SSH_HOST_KEY');
    expect(e.target).toBe(`${guest.user}@127.0.0.1:${guest.port} via ${hop.user}@127.0.0.1:${hop.port}`);
    expect(e.message).toContain(`got ${guest.hostKeyFingerprint}`);
  });

  it("GIVEN the hop's host key does not match WHEN connecting THEN SSH_HOST_KEY names the hop", async () => {
    const e = await caught(connect(targetFor(guest, { jump: targetFor(hop, { hostKey: OTHER }) })));
    expect(e.code).toBe('SSH_HOST_KEY');
    expect(e.target).toBe(`${hop.user}@127.0.0.1:${hop.port}`);
  });

  it('GIVEN a guest that is not up behind the hop WHEN connecting with retries THEN SSH_CONNECT says the hop could not reach it, bounded', async () => {
    const down = await freePort();
    const retries: string[] = [];
    const e = await caught(
      connect(targetFor(guest, { port: down, jump: targetFor(hop) }), {
        retry: { attempts: 2, baseMs: 20 },
        onRetry: ({ reason }) => retries.push(reason),
      }),
    );
    expect(e.code).toBe('SSH_CONNECT');
    expect(e.message).toContain(
      `the jump host ${hop.user}@127.0.0.1:${hop.port} could not open a connection to 127.0.0.1:${down}`,
    );
    expect(e.message).toContain('gave up after 2 attempts');
    expect(retries).toHaveLength(1);
  });

  it('GIVEN a session through a hop WHEN it is closed THEN the connection to the hop is closed too', async () => {
    const session = await connect(targetFor(guest, { jump: targetFor(hop) }));
    const mark = hop.log().length;
    await session.close();
    expect(await waitForLog(hop, /Received disconnect from 127\.0\.0\.1/, 3000, mark)).toBe(true);
  });
});
