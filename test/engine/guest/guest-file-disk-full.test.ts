import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import type { GuestSession, GuestTransport } from '../../../lib/engine/guest/guest-transport.ts';
import { guestFileHandler } from '../../../lib/engine/handlers/guest-file-handler.ts';
import type { HandlerContext } from '../../../lib/engine/handlers/handler.ts';
import type { PveApi } from '../../../lib/pve/api/pve-api.ts';
import { atomicUpload } from '../../../lib/ssh/sftp-transfer.ts';
import { SshError } from '../../../lib/ssh/ssh-errors.ts';
import { desired } from '../handler-fixture.ts';

/**
 * An SFTP server's files in memory whose disk holds `capacity` bytes: a
 * write past it fails with SFTP status 4 (failure), as OpenSSH answers ENOSPC.
 */
function fullDiskSftp(files: Map<string, Buffer>, capacity: number): SFTPWrapper {
  const open = new Map<string, string>();
  const used = () => [...files.values()].reduce((n, b) => n + b.length, 0);
  const fail = (code: number, message: string) => Object.assign(new Error(message), { code });
  const fake = {
    open(path: string, flags: string, _attrs: unknown, cb: (e: Error | undefined, h?: Buffer) => void) {
      if (flags === 'wx' && files.has(path)) return cb(fail(4, 'exists'));
      files.set(path, Buffer.alloc(0));
      const handle = Buffer.from(path);
      open.set(handle.toString('hex'), path);
      cb(undefined, handle);
    },
    write(
      handle: Buffer,
      data: Buffer,
      offset: number,
      length: number,
      position: number,
      cb: (e?: Error) => void,
    ) {
      const path = open.get(handle.toString('hex'))!;
      if (used() + length > capacity) return cb(fail(4, 'Failure'));
      const current = files.get(path)!;
      const next = Buffer.alloc(Math.max(current.length, position + length));
      current.copy(next);
      data.copy(next, position, offset, offset + length);
      files.set(path, next);
      cb();
    },
    fchmod: (_h: Buffer, _m: number, cb: (e?: Error) => void) => cb(),
    ext_openssh_fsync: (_h: Buffer, cb: (e?: Error) => void) => cb(),
    close: (handle: Buffer, cb: (e?: Error) => void) => {
      open.delete(handle.toString('hex'));
      cb();
    },
    unlink: (path: string, cb: (e?: Error) => void) => {
      files.delete(path);
      cb();
    },
    ext_openssh_rename: (from: string, to: string, cb: (e?: Error) => void) => {
      files.set(to, files.get(from)!);
      files.delete(from);
      cb();
    },
  };
  return fake as unknown as SFTPWrapper;
}

const ctxFor = (transport: GuestTransport): HandlerContext => ({
  api: {} as PveApi,
  stack: 'acme',
  inventory: [{ type: 'qemu', id: 'qemu/201', vmid: 201, node: 'pve1', status: 'running' }],
  guests: transport,
});

const TARGET = {
  vm_id: 201,
  node_name: 'pve1',
  host: '10.0.0.5',
  username: 'pvecdk',
  dialect: 'sh' as const,
  private_key: { secret: 'generated:ssh/guest' },
};

describe('a guest file on a full disk', () => {
  it('GIVEN a disk with too little room WHEN a file is replaced atomically THEN the upload fails, the old file is untouched and no temp file is left', async () => {
    const files = new Map([['/etc/app.conf', Buffer.from('old content\n')]]);
    const sftp = fullDiskSftp(files, 100);
    const upload = atomicUpload(
      sftp,
      '/etc/app.conf',
      'x'.repeat(500),
      { mode: 0o644 },
      {
        target: 'pvecdk@10.0.0.5:22',
        isClosed: () => false,
      },
    );
    await expect(upload).rejects.toMatchObject({
      code: 'SSH_TRANSFER',
      message: expect.stringContaining('upload of /etc/app.conf failed (write): failure'),
    });
    expect([...files.keys()]).toEqual(['/etc/app.conf']);
    expect(files.get('/etc/app.conf')!.toString()).toBe('old content\n');
  });

  it('GIVEN a guest whose upload fails for lack of space WHEN the file handler applies THEN the error names the resource and the guest and says nothing was half-written', async () => {
    const written: string[] = [];
    const session: GuestSession = {
      description: 'pvecdk@10.0.0.5:22',
      dialect: 'sh',
      exec: async () => ({
        code: 0,
        signal: undefined,
        stdout: '',
        stderr: '',
        stdoutBuffer: Buffer.alloc(0),
        stderrBuffer: Buffer.alloc(0),
      }),
      upload: async (path) => {
        throw new SshError('SSH_TRANSFER', `upload of ${path} failed (write): failure`, {
          target: 'pvecdk@10.0.0.5:22',
        });
      },
      download: async (path) => {
        written.push(path);
        return undefined;
      },
    };
    const transport: GuestTransport = { session: async () => session, close: async () => undefined };
    const resource = desired(guestFileHandler, 'Acme/Config', {
      target: TARGET,
      path: '/etc/app.conf',
      content: 'new\n',
    });
    const error = await guestFileHandler
      .apply(ctxFor(transport), resource, { action: 'create', changes: [], destroysData: false }, undefined)
      .then(
        () => undefined,
        (e: unknown) => e as SshError,
      );
    expect(error?.code).toBe('SSH_TRANSFER');
    expect(error?.message).toContain('Acme/Config: ssh pvecdk@10.0.0.5:22: upload of /etc/app.conf failed');
    expect(error?.hint).toContain('nothing was half-written');
    expect(error?.hint).toContain('VM 201 on pve1');
  });

  it('GIVEN a run without a guest transport WHEN a guest file is read THEN it refuses naming the resource and the VM', async () => {
    const resource = desired(guestFileHandler, 'Acme/Config', {
      target: TARGET,
      path: '/etc/app.conf',
      content: 'new\n',
    });
    const { guests: _none, ...withoutGuests } = ctxFor({
      session: async () => ({}) as never,
      close: async () => {},
    });
    await expect(guestFileHandler.read(withoutGuests, resource)).rejects.toMatchObject({
      code: 'GUEST_NO_TRANSPORT',
      message: expect.stringContaining('Acme/Config: reaching VM 201 on pve1 needs a guest transport'),
    });
  });
});
