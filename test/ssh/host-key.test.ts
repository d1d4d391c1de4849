import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  fingerprintOfPublicKey,
  hostKeyType,
  isSshError,
  type PresentedHostKey,
  type SshError,
  sha256Fingerprint,
} from '../../lib/ssh/index.ts';
import { type Sshd, skipWithoutSshd, startSshd, targetFor, waitForLog } from './sshd-fixture.ts';

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

describe('fingerprints', () => {
  it('GIVEN an OpenSSH public key line WHEN fingerprinted THEN it equals what ssh-keygen prints', async () => {
    const { makeKeyPair, keygenFingerprint } = await import('./sshd-fixture.ts');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-fp-'));
    try {
      const pair = makeKeyPair(dir, 'k');
      expect(fingerprintOfPublicKey(pair.publicKey)).toBe(keygenFingerprint(join(dir, 'k.pub')));
      const blob = Buffer.from(pair.publicKey.split(' ')[1]!, 'base64');
      expect(sha256Fingerprint(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(hostKeyType(blob)).toBe('ssh-ed25519');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skipWithoutSshd)('host key pinning against OpenSSH', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  /** Log lines from the connection made after `mark` characters of log. */
  const logSince = (mark: number) => sshd.log().slice(mark);

  it('GIVEN the right fingerprint pinned WHEN connecting THEN the session opens and reports that key', async () => {
    const session = await connect(targetFor(sshd));
    expect(session.hostKey).toEqual({
      host: '127.0.0.1',
      port: sshd.port,
      keyType: 'ssh-ed25519',
      fingerprint: sshd.hostKeyFingerprint,
    });
    await session.close();
  });

  it('GIVEN several fingerprints pinned WHEN one matches THEN the session opens', async () => {
    const session = await connect(targetFor(sshd, { hostKey: [OTHER, sshd.hostKeyFingerprint] }));
    await session.close();
  });

  it('GIVEN a wrong fingerprint WHEN connecting THEN SSH_HOST_KEY names both fingerprints and no user, key or command reached the server', async () => {
    const mark = sshd.log().length;
    const e = await caught(connect(targetFor(sshd, { hostKey: OTHER })));
    expect(e.code).toBe('SSH_HOST_KEY');
    expect(e.message).toContain(`expected ${OTHER}, got ${sshd.hostKeyFingerprint} (ssh-ed25519)`);
    expect(e.message).toContain('closed before anything was sent');
    expect(e.hint).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    // The server saw the connection and the key exchange, but no authentication request.
    expect(await waitForLog(sshd, /Connection from 127\.0\.0\.1/)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const seen = logSince(mark);
    expect(seen).toContain('Connection from 127.0.0.1');
    expect(seen).not.toMatch(/userauth-request|Accepted|Failed|Postponed/);
  });

  it('GIVEN no pin and a trust-on-first-use callback that records the key WHEN connecting THEN it sees the real fingerprint and the session opens', async () => {
    const seen: PresentedHostKey[] = [];
    const session = await connect(
      targetFor(sshd, {
        hostKey: undefined,
        acceptNewHostKey: async (k) => {
          seen.push(k);
          return k.fingerprint;
        },
      }),
    );
    expect(seen).toEqual([
      { host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint },
    ]);
    expect(session.hostKey.fingerprint).toBe(
      fingerprintOfPublicKey(readFileSync(join(sshd.dir, 'host_ed25519.pub'), 'utf8')),
    );
    await session.close();
  });

  it('GIVEN a trust-on-first-use callback that declines WHEN connecting THEN SSH_HOST_KEY and no authentication was attempted', async () => {
    const mark = sshd.log().length;
    const e = await caught(
      connect(targetFor(sshd, { hostKey: undefined, acceptNewHostKey: () => undefined })),
    );
    expect(e.code).toBe('SSH_HOST_KEY');
    expect(e.message).toContain(`host key ${sshd.hostKeyFingerprint} (ssh-ed25519) not accepted`);
    expect(e.message).toContain('acceptNewHostKey declined the key');
    await waitForLog(sshd, /Connection from 127\.0\.0\.1/);
    await new Promise((r) => setTimeout(r, 300));
    expect(logSince(mark)).not.toMatch(/userauth-request/);
  });

  it('GIVEN a trust-on-first-use callback that throws WHEN connecting THEN SSH_HOST_KEY carries its reason', async () => {
    const e = await caught(
      connect(
        targetFor(sshd, {
          hostKey: undefined,
          acceptNewHostKey: () => {
            throw new Error('state store is read-only');
          },
        }),
      ),
    );
    expect(e.code).toBe('SSH_HOST_KEY');
    expect(e.message).toContain('acceptNewHostKey failed: state store is read-only');
  });

  it('GIVEN a host key refused WHEN retries are allowed THEN it is not retried', async () => {
    const retries: number[] = [];
    const e = await caught(
      connect(targetFor(sshd, { hostKey: OTHER }), {
        retry: { attempts: 5, baseMs: 10 },
        onRetry: ({ attempt }) => retries.push(attempt),
      }),
    );
    expect(e.code).toBe('SSH_HOST_KEY');
    expect(retries).toEqual([]);
  });
});
