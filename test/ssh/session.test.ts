import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, isSshError, type SshError, type SshSession } from '../../lib/ssh/index.ts';
import { freePort, makeKeyPair, type Sshd, skipWithoutSshd, startSshd, targetFor } from './sshd-fixture.ts';

async function caught(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (e) {
    if (isSshError(e)) return e;
    throw e;
  }
  throw new Error('expected an SshError');
}

/** Everything an error could show: message (with hint), stack and the stderr tail. */
const shown = (e: SshError) => [e.message, e.stack ?? '', ...e.stderrTail].join('\n');

describe.skipIf(skipWithoutSshd)('SshSession against OpenSSH', () => {
  let sshd: Sshd;
  let session: SshSession;
  /** How long a trivial command takes here (the login shell's rc files can be slow). */
  let startupMs = 0;
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connect(targetFor(sshd));
    const t = Date.now();
    await session.exec('true', { label: 'warm up' });
    startupMs = Date.now() - t;
  });
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
  });

  it('GIVEN a connected session WHEN a command writes stdout and stderr and exits 0 THEN both are returned', async () => {
    const r = await session.exec('printf "out\\n"; printf "err\\n" >&2', { label: 'say hello' });
    expect(r).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(r.stdoutBuffer).toEqual(Buffer.from('out\n'));
  });

  it('GIVEN binary and multi-byte output WHEN collected THEN the bytes are exact', async () => {
    const r = await session.exec("printf '\\377\\000\\001'; printf 'é✓'", { label: 'bytes' });
    expect(r.stdoutBuffer).toEqual(Buffer.concat([Buffer.from([0xff, 0, 1]), Buffer.from('é✓')]));
  });

  it('GIVEN a failing command WHEN run THEN SSH_COMMAND_FAILED has the label, the exit code and the stderr tail, not the command', async () => {
    const e = await caught(
      session.exec('echo TOKEN-IN-COMMAND >/dev/null; echo line1 >&2; echo "it broke" >&2; exit 3', {
        label: 'reload filter',
      }),
    );
    expect(e.code).toBe('SSH_COMMAND_FAILED');
    expect(e.exitCode).toBe(3);
    expect(e.label).toBe('reload filter');
    expect(e.stderrTail).toEqual(['line1', 'it broke']);
    expect(e.message).toContain(`ssh ${sshd.user}@127.0.0.1:${sshd.port}: reload filter: exited with code 3`);
    expect(shown(e)).not.toContain('TOKEN-IN-COMMAND');
  });

  it('GIVEN allowFailure WHEN the command exits non-zero THEN the result carries the code', async () => {
    const r = await session.exec('exit 7', { label: 'probe', allowFailure: true });
    expect(r.code).toBe(7);
  });

  it('GIVEN a command killed by a signal WHEN it ends THEN the signal is reported', async () => {
    const e = await caught(session.exec('kill -TERM $$', { label: 'self kill' }));
    expect(e.code).toBe('SSH_COMMAND_FAILED');
    expect(e.exitCode).toBeNull();
    expect(e.signal).toBe('SIGTERM');
  });

  it('GIVEN a secret on stdin WHEN the command echoes it to stderr and fails THEN the error masks it', async () => {
    const secret = 'Sup3r-S3cret-Passw0rd';
    const e = await caught(
      session.exec('read pw; echo "bad password: $pw" >&2; exit 1', {
        label: 'set password',
        stdin: `${secret}\n`,
      }),
    );
    expect(e.code).toBe('SSH_COMMAND_FAILED');
    expect(e.stderrTail).toEqual(['bad password: ***']);
    expect(shown(e)).not.toContain(secret);
  });

  it('GIVEN a secret on stdin WHEN the command times out after echoing it THEN the timeout error masks it too', async () => {
    const secret = 'An0ther-Secret-Value';
    const e = await caught(
      session.exec('cat >&2; echo extra-mask >&2; sleep 10', {
        label: 'hang',
        stdin: `${secret}\n`,
        timeoutMs: startupMs + 1000,
        secrets: ['extra-mask'],
      }),
    );
    expect(e.code).toBe('SSH_TIMEOUT');
    expect(e.stderrTail).toEqual(['***', '***']);
    expect(shown(e)).not.toContain(secret);
  });

  it('GIVEN a slow command WHEN the timeout passes THEN SSH_TIMEOUT is raised promptly and the session still works', async () => {
    const started = Date.now();
    const e = await caught(session.exec('sleep 10', { label: 'wait forever', timeoutMs: 300 }));
    expect(e.code).toBe('SSH_TIMEOUT');
    expect(e.message).toContain('wait forever: did not finish within 300 ms');
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await session.exec('echo still here', { label: 'after' })).stdout).toBe('still here\n');
  });

  it('GIVEN a command that floods output WHEN it passes maxOutputBytes THEN SSH_OUTPUT_LIMIT stops it', async () => {
    const e = await caught(
      session.exec('head -c 1000000 /dev/zero', { label: 'flood', maxOutputBytes: 10_000 }),
    );
    expect(e.code).toBe('SSH_OUTPUT_LIMIT');
  });

  it('GIVEN several commands at once WHEN run concurrently THEN each gets its own output', async () => {
    const rs = await Promise.all(
      [1, 2, 3, 4].map((i) => session.exec(`sleep 0.${i}; echo ${i}`, { label: `n${i}` })),
    );
    expect(rs.map((r) => r.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n']);
  });

  it('GIVEN a closed session WHEN a command is run THEN SSH_DISCONNECTED says it was not started', async () => {
    const s = await connect(targetFor(sshd));
    await s.close();
    expect(s.closed).toBe(true);
    const e = await caught(s.exec('true', { label: 'late' }));
    expect(e.code).toBe('SSH_DISCONNECTED');
    expect(e.message).toContain('not started');
  });

  it('GIVEN the connection drops while a command runs WHEN it is waited for THEN SSH_DISCONNECTED says the outcome is unknown', async () => {
    const s = await connect(targetFor(sshd));
    const running = caught(s.exec('sleep 5', { label: 'long step' }));
    setTimeout(() => void s.close(), 200);
    const e = await running;
    expect(e.code).toBe('SSH_DISCONNECTED');
    expect(e.message).toContain('long step');
  });
});

describe.skipIf(skipWithoutSshd)('authentication against OpenSSH', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('GIVEN a key that is not authorized WHEN connecting THEN SSH_AUTH names the user and method, not the key', async () => {
    const other = makeKeyPair(sshd.dir, 'stranger');
    const e = await caught(connect(targetFor(sshd, { auth: { privateKey: other.privateKey } })));
    expect(e.code).toBe('SSH_AUTH');
    expect(e.message).toContain(`authentication as ${sshd.user} failed (tried publickey)`);
    expect(shown(e)).not.toContain(other.privateKey.split('\n')[1]!);
  });

  it('GIVEN a wrong password WHEN connecting THEN SSH_AUTH does not show it', async () => {
    const e = await caught(connect(targetFor(sshd, { auth: { password: 'Wr0ng-Passw0rd-123' } })));
    expect(e.code).toBe('SSH_AUTH');
    expect(shown(e)).not.toContain('Wr0ng-Passw0rd-123');
  });

  it('GIVEN a private key that cannot be parsed WHEN connecting THEN SSH_AUTH says so without its text', async () => {
    const e = await caught(connect(targetFor(sshd, { auth: { privateKey: 'not-a-key-Z9Z9Z9' } })));
    expect(e.code).toBe('SSH_AUTH');
    expect(e.message).toContain('private key cannot be read');
    expect(shown(e)).not.toContain('Z9Z9Z9');
  });
});

describe.skipIf(skipWithoutSshd)('connecting to a guest that is not up yet', () => {
  it('GIVEN sshd starts 800 ms after the first attempt WHEN connecting with retries THEN the connection succeeds', async () => {
    const keys = await startSshd();
    const port = await freePort();
    const retries: string[] = [];
    let late: Sshd | undefined;
    const starting = new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        startSshd({ port, keysFrom: keys }).then((s) => {
          late = s;
          resolve();
        }, reject);
      }, 800),
    );
    try {
      const started = Date.now();
      const session = await connect(targetFor(keys, { port }), {
        retry: { attempts: 40, baseMs: 100, maxMs: 200 },
        onRetry: ({ reason }) => retries.push(reason),
      });
      await starting;
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
      expect(retries.length).toBeGreaterThan(1);
      expect(retries[0]).toBe('connection refused');
      expect((await session.exec('echo up', { label: 'probe' })).stdout).toBe('up\n');
      await session.close();
    } finally {
      await starting.catch(() => undefined);
      await late?.stop();
      await keys.stop();
    }
  });

  it('GIVEN nothing listens WHEN connecting with 3 attempts THEN SSH_CONNECT comes after exactly 3, promptly', async () => {
    const port = await freePort();
    const retries: number[] = [];
    const started = Date.now();
    const e = await caught(
      connect(
        {
          host: '127.0.0.1',
          port,
          username: 'x',
          auth: { password: 'p' },
          hostKey: `SHA256:${'A'.repeat(43)}`,
        },
        { retry: { attempts: 3, baseMs: 50 }, onRetry: ({ attempt }) => retries.push(attempt) },
      ),
    );
    expect(e.code).toBe('SSH_CONNECT');
    expect(e.message).toMatch(/connection refused \(gave up after 3 attempts in [\d.]+ s\)/);
    expect(retries).toEqual([1, 2]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('GIVEN a server that accepts TCP but never speaks SSH WHEN connecting THEN SSH_CONNECT reports the handshake timeout', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const e = await caught(
        connect(
          {
            host: '127.0.0.1',
            port,
            username: 'x',
            auth: { password: 'p' },
            hostKey: `SHA256:${'A'.repeat(43)}`,
          },
          { timeoutMs: 300, retry: { attempts: 2, baseMs: 10 } },
        ),
      );
      expect(e.code).toBe('SSH_CONNECT');
      expect(e.message).toContain('no SSH handshake within 300 ms (gave up after 2 attempts');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
