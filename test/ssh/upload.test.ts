import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { atomicUpload, connect, isSshError, type SshError, type SshSession } from '../../lib/ssh/index.ts';
import { type Sshd, skipWithoutSshd, startSshd, targetFor } from './sshd-fixture.ts';

async function caught(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (e) {
    if (isSshError(e)) return e;
    throw e;
  }
  throw new Error('expected an SshError');
}

const mode = (path: string) => statSync(path).mode & 0o777;
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.pvecdk-'));

describe.skipIf(skipWithoutSshd)('SFTP upload and download against OpenSSH', () => {
  let sshd: Sshd;
  let session: SshSession;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connect(targetFor(sshd));
  });
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const freshDir = () => {
    dir = mkdtempSync(join(tmpdir(), 'pvecdk-upload-'));
    return dir;
  };

  it('GIVEN a new path WHEN 1 MiB of binary data is uploaded with mode 0640 THEN content and mode are exact and no temp file is left', async () => {
    const path = join(freshDir(), 'blob.bin');
    const data = randomBytes(1024 * 1024 + 17);
    await session.upload(path, data, { mode: 0o640 });
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(mode(path)).toBe(0o640);
    expect(leftovers(dir)).toEqual([]);
  });

  it('GIVEN an existing file WHEN a new version is uploaded THEN it replaces the old one (posix-rename) with the new mode', async () => {
    const path = join(freshDir(), 'config.xml');
    writeFileSync(path, '<old/>', { mode: 0o644 });
    await session.upload(path, '<pfsense>é</pfsense>\n', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('<pfsense>é</pfsense>\n');
    expect(mode(path)).toBe(0o600);
    expect(leftovers(dir)).toEqual([]);
  });

  it('GIVEN a streamed upload WHEN the source fails midway THEN SSH_TRANSFER, the old file is intact and the temp file is removed', async () => {
    const path = join(freshDir(), 'config.xml');
    writeFileSync(path, 'old content', { mode: 0o644 });
    async function* source() {
      yield Buffer.alloc(300_000, 'a');
      throw new Error('render failed');
    }
    const e = await caught(session.upload(path, source(), { mode: 0o600 }));
    expect(e.code).toBe('SSH_TRANSFER');
    expect(e.message).toContain(`upload of ${path} failed (write): render failed`);
    expect(readFileSync(path, 'utf8')).toBe('old content');
    expect(mode(path)).toBe(0o644);
    expect(leftovers(dir)).toEqual([]);
  });

  it('GIVEN a streamed upload WHEN the connection drops midway THEN SSH_DISCONNECTED and the old file is intact', async () => {
    const path = join(freshDir(), 'config.xml');
    writeFileSync(path, 'old content', { mode: 0o644 });
    const doomed = await connect(targetFor(sshd));
    async function* source() {
      yield Buffer.alloc(300_000, 'a');
      await doomed.close();
      yield Buffer.alloc(300_000, 'b');
    }
    const e = await caught(doomed.upload(path, source(), { mode: 0o600 }));
    expect(e.code).toBe('SSH_DISCONNECTED');
    expect(e.hint).toContain(`the previous ${path} is unchanged`);
    expect(readFileSync(path, 'utf8')).toBe('old content');
  });

  it('GIVEN a folder that does not exist WHEN uploading THEN SSH_TRANSFER says no such file', async () => {
    const path = join(freshDir(), 'missing', 'x.txt');
    const e = await caught(session.upload(path, 'x', { mode: 0o644 }));
    expect(e.code).toBe('SSH_TRANSFER');
    expect(e.message).toContain('(create the temp file): no such file');
  });

  it('GIVEN a server without posix-rename WHEN replacing a file THEN the fallback moves the old file aside and leaves nothing behind', async () => {
    const path = join(freshDir(), 'config.xml');
    writeFileSync(path, 'old', { mode: 0o644 });
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).on('error', reject);
      client.connect({
        host: '127.0.0.1',
        port: sshd.port,
        username: sshd.user,
        privateKey: sshd.client.privateKey,
      });
    });
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((err, s) => (err ? reject(err) : resolve(s))),
      );
      let plainRenames = 0;
      const withoutPosixRename = new Proxy(sftp, {
        get(t, prop) {
          if (prop === 'ext_openssh_rename')
            return () => {
              throw new Error('Server does not support this extended request');
            };
          if (prop === 'rename') plainRenames += 1;
          const v = Reflect.get(t, prop, t);
          return typeof v === 'function' ? v.bind(t) : v;
        },
      });
      await atomicUpload(
        withoutPosixRename,
        path,
        'new',
        { mode: 0o600 },
        { target: 't', isClosed: () => false },
      );
      expect(readFileSync(path, 'utf8')).toBe('new');
      expect(mode(path)).toBe(0o600);
      expect(plainRenames).toBe(3); // refused over the existing file, old aside, new in place
      expect(leftovers(dir)).toEqual([]);
    } finally {
      client.end();
    }
  });

  it('GIVEN a remote file WHEN downloaded THEN the bytes are exact', async () => {
    const path = join(freshDir(), 'state.bin');
    const data = randomBytes(200_000);
    writeFileSync(path, data);
    expect((await session.download(path)).equals(data)).toBe(true);
  });

  it('GIVEN a missing or oversized file WHEN downloaded THEN SSH_TRANSFER says which', async () => {
    const path = join(freshDir(), 'big.bin');
    writeFileSync(path, Buffer.alloc(2000));
    const missing = await caught(session.download(join(dir, 'nope')));
    expect(missing.code).toBe('SSH_TRANSFER');
    expect(missing.message).toContain('no such file');
    const big = await caught(session.download(path, { maxBytes: 1000 }));
    expect(big.code).toBe('SSH_TRANSFER');
    expect(big.message).toContain('is 2000 bytes, more than 1000');
  });
});
