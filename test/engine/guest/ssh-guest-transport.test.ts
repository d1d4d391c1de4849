import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestError } from '../../../lib/engine/guest/guest-errors.ts';
import type { GuestAddress } from '../../../lib/engine/guest/guest-transport.ts';
import type { GuestHostKeyTrust, RecordedHostKey } from '../../../lib/engine/guest/host-key-trust.ts';
import { attemptsWithin, SshGuestTransport } from '../../../lib/engine/guest/ssh-guest-transport.ts';
import {
  freePort,
  keygenFingerprint,
  makeKeyPair,
  type Sshd,
  skipWithoutSshd,
  startSshd,
} from '../../ssh/sshd-fixture.ts';

/** A stack's host key book in memory, with the VM's creation identity a test sets. */
function memoryTrust(stack = 'acme'): GuestHostKeyTrust & {
  keys: Map<string, RecordedHostKey>;
  notes: string[];
  creation: string | undefined;
} {
  const keys = new Map<string, RecordedHostKey>();
  const notes: string[] = [];
  const book = {
    stack,
    keys,
    notes,
    creation: 'ctime=1000' as string | undefined,
    recorded: (id: string) => keys.get(id),
    record: async (id: string, key: RecordedHostKey) => {
      keys.set(id, key);
    },
    creationOf: async () => book.creation,
    notify: (m: string) => notes.push(m),
  };
  return book;
}

async function caught(p: Promise<unknown>): Promise<GuestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GuestError) return e;
    throw e;
  }
  throw new Error('expected a GuestError');
}

const REQUESTER = { path: 'Acme/Db/Firewall' };

describe.skipIf(skipWithoutSshd)('SshGuestTransport against OpenSSH', () => {
  let sshd: Sshd;
  let address: GuestAddress;
  const secrets = (key: string) => ({
    resolve: (ref: string) => {
      if (ref !== 'env:GUEST_KEY') throw new Error(`unexpected reference ${ref}`);
      return key;
    },
  });
  let clientFingerprint: string;

  beforeAll(async () => {
    sshd = await startSshd();
    address = {
      vm_id: 201,
      node_name: 'pve1',
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.user,
      dialect: 'sh',
      private_key: 'env:GUEST_KEY',
    };
    writeFileSync(join(sshd.dir, 'client-copy.pub'), `${sshd.client.publicKey}\n`);
    clientFingerprint = keygenFingerprint(join(sshd.dir, 'client-copy.pub'));
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('GIVEN no pinned key WHEN two resources ask for the same guest at once THEN one connection is made, the key is recorded on first use and said so', async () => {
    const trust = memoryTrust();
    const transport = new SshGuestTransport({ secrets: secrets(sshd.client.privateKey) }).forStack(trust);
    const before = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const [a, b] = await Promise.all([
      transport.session(address, REQUESTER),
      transport.session(address, { path: 'Acme/Db/Other' }),
    ]);
    expect(a).toBe(b);
    const r = await a.exec('echo hello', { label: 'say hello' });
    expect(r.stdout).toBe('hello\n');
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length - before).toBe(1);
    expect(trust.keys.get('pve1/201')).toMatchObject({
      fingerprint: sshd.hostKeyFingerprint,
      creation: 'ctime=1000',
    });
    expect(trust.notes.join('\n')).toContain(`trusting the host key ${sshd.hostKeyFingerprint}`);
    expect(trust.notes.join('\n')).toContain('VM 201 on pve1');
    await transport.close();
  });

  it('GIVEN a recorded key WHEN the guest presents another one and the VM is the same THEN GUEST_HOST_KEY_CHANGED names the VM and both fingerprints, and nothing is recorded', async () => {
    const trust = memoryTrust();
    const other = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    trust.keys.set('pve1/201', {
      fingerprint: other,
      keyType: 'ssh-ed25519',
      creation: 'ctime=1000',
      endpoint: '127.0.0.1:22',
      recordedAt: '2026-01-01T00:00:00.000Z',
    });
    const transport = new SshGuestTransport({ secrets: secrets(sshd.client.privateKey) }).forStack(trust);
    const e = await caught(transport.session(address, REQUESTER));
    expect(e.code).toBe('GUEST_HOST_KEY_CHANGED');
    expect(e.message).toContain('VM 201 on pve1 (Acme/Db/Firewall)');
    expect(e.message).toContain(other);
    expect(e.message).toContain(sshd.hostKeyFingerprint);
    expect(e.hint).toContain('hostKeySha256');
    expect(trust.keys.get('pve1/201')?.fingerprint).toBe(other);
    await transport.close();
  });

  it('GIVEN a recorded key WHEN the VM was created anew (another creation time) THEN its new key is trusted, recorded and said so', async () => {
    const trust = memoryTrust();
    trust.creation = 'ctime=2000';
    trust.keys.set('pve1/201', {
      fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      keyType: 'ssh-ed25519',
      creation: 'ctime=1000',
      endpoint: '127.0.0.1:22',
      recordedAt: '2026-01-01T00:00:00.000Z',
    });
    const transport = new SshGuestTransport({ secrets: secrets(sshd.client.privateKey) }).forStack(trust);
    const session = await transport.session(address, REQUESTER);
    expect((await session.exec('echo ok', { label: 'ok' })).stdout).toBe('ok\n');
    expect(trust.keys.get('pve1/201')).toMatchObject({
      fingerprint: sshd.hostKeyFingerprint,
      creation: 'ctime=2000',
    });
    expect(trust.notes.join('\n')).toContain('created anew (ctime=1000 → ctime=2000)');
    await transport.close();
  });

  it('GIVEN a session opened for one stack WHEN another stack asks for the same guest THEN the session is shared and the key is recorded in its book too', async () => {
    const base = new SshGuestTransport({ secrets: secrets(sshd.client.privateKey) });
    const platform = memoryTrust('platform');
    const acme = memoryTrust('acme');
    const first = await base.forStack(platform).session(address, REQUESTER);
    const second = await base.forStack(acme).session(address, REQUESTER);
    expect(second).toBe(first);
    expect(acme.keys.get('pve1/201')?.fingerprint).toBe(sshd.hostKeyFingerprint);
    await base.close();
  });

  it('GIVEN a wrong pinned key WHEN connecting THEN GUEST_HOST_KEY_CHANGED names the VM, the pin and the key presented', async () => {
    const pin = 'SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    const transport = new SshGuestTransport({
      secrets: secrets(sshd.client.privateKey),
      trust: memoryTrust(),
    });
    const e = await caught(transport.session({ ...address, host_key_sha256: pin }, REQUESTER));
    expect(e.code).toBe('GUEST_HOST_KEY_CHANGED');
    expect(e.message).toContain('VM 201 on pve1');
    expect(e.message).toContain(pin);
    expect(e.message).toContain(sshd.hostKeyFingerprint);
    await transport.close();
  });

  it("GIVEN a key the guest does not authorize WHEN connecting THEN GUEST_AUTH_FAILED names the VM, endpoint, user and the key's fingerprint, never the key", async () => {
    const stranger = makeKeyPair(sshd.dir, 'stranger');
    const fingerprint = keygenFingerprint(join(sshd.dir, 'stranger.pub'));
    const transport = new SshGuestTransport({ secrets: secrets(stranger.privateKey), trust: memoryTrust() });
    const e = await caught(transport.session(address, REQUESTER));
    expect(e.code).toBe('GUEST_AUTH_FAILED');
    expect(e.message).toContain('VM 201 on pve1');
    expect(e.message).toContain(`${sshd.user}@127.0.0.1:${sshd.port}`);
    expect(e.message).toContain(fingerprint);
    expect(e.hint).toContain('authorized_keys');
    expect(`${e.message}${e.hint}`).not.toContain(stranger.privateKey.split('\n')[1]!);
    await transport.close();
  });

  it('GIVEN a guest still booting (nothing listens yet) WHEN asked THEN the wait is told as progress and the session opens once sshd is up', async () => {
    const port = await freePort();
    const waits: string[] = [];
    let late: Sshd | undefined;
    let starting: Promise<Sshd> | undefined;
    const transport = new SshGuestTransport({
      secrets: secrets(sshd.client.privateKey),
      trust: memoryTrust(),
      waitMs: 60_000,
      retryBaseMs: 50,
      retryMaxMs: 200,
    });
    const session = await transport.session(
      { ...address, port },
      {
        path: 'Acme/Db/Firewall',
        onWait: (m) => {
          waits.push(m);
          // The guest "boots" once the first refusal was seen.
          starting ??= startSshd({ port, keysFrom: sshd }).then((s) => {
            late = s;
            return s;
          });
        },
      },
    );
    try {
      expect((await session.exec('echo up', { label: 'up' })).stdout).toBe('up\n');
      expect(waits[0]).toContain('VM 201 on pve1 (Acme/Db/Firewall)');
      expect(waits[0]).toContain('does not answer SSH yet (connection refused)');
    } finally {
      await transport.close();
      await (late ?? (await starting))?.stop();
    }
  });

  it('GIVEN a guest that never answers WHEN the wait runs out THEN GUEST_UNREACHABLE names the VM, endpoint, user and key fingerprint', async () => {
    const port = await freePort();
    const transport = new SshGuestTransport({
      secrets: secrets(sshd.client.privateKey),
      trust: memoryTrust(),
      waitMs: 300,
      retryBaseMs: 50,
      retryMaxMs: 100,
    });
    const e = await caught(transport.session({ ...address, port }, REQUESTER));
    expect(e.code).toBe('GUEST_UNREACHABLE');
    expect(e.message).toContain('VM 201 on pve1 (Acme/Db/Firewall)');
    expect(e.message).toContain(`${sshd.user}@127.0.0.1:${port}`);
    expect(e.message).toContain(clientFingerprint);
    expect(e.message).toContain('connection refused');
    await transport.close();
  });

  it('GIVEN an endpoint resolver (the emulator) WHEN the guest is booting, then up with a published key THEN it is waited for and that key is pinned: nothing is trusted on first use', async () => {
    let asked = 0;
    const trust = memoryTrust();
    const transport = new SshGuestTransport({
      secrets: secrets(sshd.client.privateKey),
      trust,
      retryBaseMs: 10,
      resolveEndpoint: async () =>
        ++asked < 3
          ? 'booting'
          : { host: '127.0.0.1', port: sshd.port, hostKeySha256: sshd.hostKeyFingerprint, direct: true },
    });
    // The plan's address and jump host are not used: the endpoint is.
    const session = await transport.session(
      { ...address, host: '10.0.0.5', port: 22, jump_host: 'admin@10.0.0.1' },
      REQUESTER,
    );
    expect((await session.exec('echo via-endpoint', { label: 'x' })).stdout).toBe('via-endpoint\n');
    expect(asked).toBe(3);
    expect(trust.keys.size).toBe(0);
    await transport.close();
  });

  it('GIVEN a session WHEN a missing file is downloaded THEN undefined; WHEN the connection drops THEN the next request opens a new session', async () => {
    const transport = new SshGuestTransport({
      secrets: secrets(sshd.client.privateKey),
      trust: memoryTrust(),
    });
    const first = await transport.session(address, REQUESTER);
    expect(await first.download(join(sshd.dir, 'no-such-file'))).toBeUndefined();
    expect(await first.stat?.(join(sshd.dir, 'no-such-file'))).toBeUndefined();
    // The guest drops the connection (sshd kills its session process).
    await first.exec('kill -9 $PPID', { label: 'drop', allowFailure: true }).catch(() => undefined);
    const second = await transport.session(address, REQUESTER);
    expect(second).not.toBe(first);
    expect((await second.exec('echo again', { label: 'again' })).stdout).toBe('again\n');
    await transport.close();
  });
});

describe('attemptsWithin', () => {
  it('GIVEN a wait and a backoff WHEN attempts are counted THEN their delays fit in the wait', () => {
    expect(attemptsWithin(0, 1000, 10_000)).toBe(1);
    // 1 + 2 + 4 + 8 + 10 × 28 = 295 s of delays.
    expect(attemptsWithin(300_000, 1000, 10_000)).toBe(33);
  });
});
