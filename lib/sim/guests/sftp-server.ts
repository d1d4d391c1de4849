import type { Attributes, SFTPWrapper } from 'ssh2';
import { type GuestCredential, type GuestFs, GuestFsError, type GuestStat } from './guest-fs.ts';

/**
 * The SFTP subsystem (version 3) on a guest's file tree, as OpenSSH's
 * sftp-server serves it: open/read/write/close, stat/lstat/fstat,
 * setstat/fsetstat (mode, size), opendir/readdir, remove, mkdir, rmdir,
 * realpath, readlink, symlink, RENAME (which refuses an existing target,
 * as sftp-server's link()-based rename does) and the extensions
 * posix-rename@openssh.com (replaces atomically) and fsync@openssh.com,
 * advertised in the VERSION reply. Windows guests show paths as
 * Win32-OpenSSH does: `/C:/Users/...`. Writes to an open file reach the
 * guest's tree when the handle is closed or fsynced.
 */

const STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  OP_UNSUPPORTED: 8,
} as const;
const OPEN = { READ: 0x1, WRITE: 0x2, APPEND: 0x4, CREAT: 0x8, TRUNC: 0x10, EXCL: 0x20 } as const;

/** The extensions sftp-server advertises that this emulation implements. */
const EXTENSIONS: Array<[string, string]> = [
  ['posix-rename@openssh.com', '1'],
  ['fsync@openssh.com', '1'],
];

export interface SftpSession {
  readonly fs: GuestFs;
  readonly cred: GuestCredential;
  /** The login directory (`realpath .`). */
  readonly home: string;
  /** Called after a change reaches the tree (persist the state). */
  changed(): void;
}

type Handle =
  | { kind: 'file'; path: string; data: Buffer; flags: number; dirty: boolean }
  | { kind: 'dir'; path: string; names: string[]; done: boolean };

function sshString(buf: Buffer, offset: number): { value: string; next: number } | undefined {
  if (offset + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(offset);
  if (offset + 4 + len > buf.length) return undefined;
  return { value: buf.toString('utf8', offset + 4, offset + 4 + len), next: offset + 4 + len };
}

/**
 * ssh2's server answers INIT with a VERSION packet without extensions; OpenSSH's
 * sftp-server lists its extensions there, and clients (ssh2's among them) only
 * use posix-rename when listed. Rewrite that one outgoing packet.
 */
function advertiseExtensions(sftp: SFTPWrapper): void {
  const inner = sftp as unknown as {
    _protocol: { channelData(id: number, data: Buffer): void };
    outgoing: { id: number; window: number };
  };
  const protocol = inner._protocol;
  let done = false;
  inner._protocol = new Proxy(protocol, {
    get(target, prop, receiver) {
      if (prop === 'channelData') {
        return (id: number, data: Buffer) => {
          if (!done && data.length === 9 && data[4] === 2 /* VERSION */) {
            done = true;
            const parts = [data.subarray(4)];
            for (const [name, value] of EXTENSIONS) {
              for (const s of [name, value]) {
                const len = Buffer.alloc(4);
                len.writeUInt32BE(Buffer.byteLength(s));
                parts.push(len, Buffer.from(s));
              }
            }
            const body = Buffer.concat(parts);
            const packet = Buffer.concat([Buffer.alloc(4), body]);
            packet.writeUInt32BE(body.length, 0);
            inner.outgoing.window -= packet.length - data.length;
            target.channelData(id, packet);
            return;
          }
          target.channelData(id, data);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function serveSftp(sftp: SFTPWrapper, session: SftpSession): void {
  advertiseExtensions(sftp);
  const { fs, cred } = session;
  const handles = new Map<string, Handle>();
  let nextHandle = 1;
  const windows = fs.windows;

  /** A client path in the tree's spelling (`/C:/x` → `C:\x`; relative to the login directory). */
  const local = (p: string): string => fs.normalise(p === '' ? '.' : p, session.home);
  /** A tree path as the client sees it. */
  const remote = (p: string): string => (windows ? `/${p.replace(/\\/g, '/')}` : p);

  const fail = (reqid: number, e: unknown) => {
    if (!(e instanceof GuestFsError)) {
      sftp.status(reqid, STATUS.FAILURE, (e as Error).message);
      return;
    }
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
    else if (e.code === 'EACCES') sftp.status(reqid, STATUS.PERMISSION_DENIED, 'Permission denied');
    else sftp.status(reqid, STATUS.FAILURE, 'Failure');
  };

  const attrsOf = (st: GuestStat): Attributes => ({
    mode:
      (st.type === 'dir' ? 0o040000 : st.type === 'symlink' ? 0o120000 : 0o100000) |
      (windows ? (st.type === 'dir' ? 0o755 : 0o644) : st.mode),
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: st.mtime,
    mtime: st.mtime,
  });

  const longname = (name: string, a: Attributes): string => {
    const type = (a.mode & 0o170000) === 0o040000 ? 'd' : (a.mode & 0o170000) === 0o120000 ? 'l' : '-';
    const perms = [6, 3, 0]
      .map((s) => ['r', 'w', 'x'].map((c, i) => ((a.mode >> s) & (4 >> i) ? c : '-')).join(''))
      .join('');
    const date = new Date(a.mtime * 1000).toUTCString().slice(8, 22);
    return `${type}${perms}    1 ${String(a.uid).padEnd(8)} ${String(a.gid).padEnd(8)} ${String(a.size).padStart(8)} ${date} ${name}`;
  };

  const newHandle = (h: Handle): Buffer => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(nextHandle++);
    handles.set(id.toString('hex'), h);
    return id;
  };

  const flush = (h: Handle) => {
    if (h.kind === 'file' && h.dirty) {
      fs.writeFile(h.path, h.data, { cred });
      h.dirty = false;
      session.changed();
    }
  };

  sftp.on('OPEN', (reqid, filename, flags, attrs) => {
    try {
      const path = local(filename);
      const exists = fs.exists(path);
      if (exists && flags & OPEN.CREAT && flags & OPEN.EXCL) {
        sftp.status(reqid, STATUS.FAILURE, 'Failure');
        return;
      }
      if (exists && fs.stat(path, { cred }).type === 'dir') {
        sftp.status(reqid, STATUS.FAILURE, 'Failure');
        return;
      }
      let data: Buffer;
      if (!exists) {
        if (!(flags & OPEN.CREAT)) {
          sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
          return;
        }
        // sftp-server creates with the requested mode, less the umask (022).
        fs.writeFile(path, '', {
          cred,
          mode: (typeof attrs.mode === 'number' ? attrs.mode : 0o666) & 0o777 & ~0o022,
          exclusive: true,
        });
        session.changed();
        data = Buffer.alloc(0);
      } else {
        data = flags & OPEN.READ || !(flags & OPEN.TRUNC) ? fs.readFile(path, { cred }) : Buffer.alloc(0);
        if (flags & OPEN.WRITE) {
          // Opening for writing needs write permission; TRUNC empties the file at once.
          if (flags & OPEN.TRUNC) {
            fs.writeFile(path, '', { cred });
            session.changed();
            data = Buffer.alloc(0);
          } else fs.writeFile(path, '', { cred, append: true });
        }
      }
      sftp.handle(reqid, newHandle({ kind: 'file', path, data, flags, dirty: false }));
    } catch (e) {
      fail(reqid, e);
    }
  });

  sftp.on('READ', (reqid, handle, offset, length) => {
    const h = handles.get(handle.toString('hex'));
    if (h?.kind !== 'file') return sftp.status(reqid, STATUS.FAILURE, 'Failure');
    if (offset >= h.data.length) return sftp.status(reqid, STATUS.EOF, 'End of file');
    sftp.data(reqid, h.data.subarray(offset, Math.min(h.data.length, offset + length)));
  });

  sftp.on('WRITE', (reqid, handle, offset, data) => {
    const h = handles.get(handle.toString('hex'));
    if (h?.kind !== 'file' || !(h.flags & OPEN.WRITE)) return sftp.status(reqid, STATUS.FAILURE, 'Failure');
    const at = h.flags & OPEN.APPEND ? h.data.length : offset;
    if (at + data.length > h.data.length) {
      const grown = Buffer.alloc(at + data.length);
      h.data.copy(grown);
      h.data = grown;
    }
    data.copy(h.data, at);
    h.dirty = true;
    sftp.status(reqid, STATUS.OK, 'Success');
  });

  sftp.on('CLOSE', (reqid, handle) => {
    const key = handle.toString('hex');
    const h = handles.get(key);
    if (!h) return sftp.status(reqid, STATUS.FAILURE, 'Failure');
    handles.delete(key);
    try {
      flush(h);
      sftp.status(reqid, STATUS.OK, 'Success');
    } catch (e) {
      fail(reqid, e);
    }
  });

  const stat = (reqid: number, path: string, follow: boolean) => {
    try {
      sftp.attrs(reqid, attrsOf(fs.stat(local(path), { cred, followLast: follow })));
    } catch (e) {
      fail(reqid, e);
    }
  };
  sftp.on('STAT', (reqid, path) => stat(reqid, path, true));
  sftp.on('LSTAT', (reqid, path) => stat(reqid, path, false));
  sftp.on('FSTAT', (reqid, handle) => {
    const h = handles.get(handle.toString('hex'));
    if (!h) return sftp.status(reqid, STATUS.FAILURE, 'Failure');
    try {
      const st = fs.stat(h.path, { cred });
      sftp.attrs(reqid, attrsOf(h.kind === 'file' ? { ...st, size: h.data.length } : st));
    } catch (e) {
      fail(reqid, e);
    }
  });

  const setstat = (reqid: number, path: string, attrs: Partial<Attributes>, h?: Handle) => {
    try {
      if (typeof attrs.mode === 'number' && !windows) fs.chmod(path, attrs.mode & 0o7777, { cred });
      if (typeof attrs.size === 'number') {
        if (h?.kind === 'file') {
          h.data = Buffer.concat([h.data, Buffer.alloc(Math.max(0, attrs.size - h.data.length))]).subarray(
            0,
            attrs.size,
          );
          h.dirty = true;
        } else {
          const data = fs.readFile(path, { cred });
          fs.writeFile(
            path,
            Buffer.concat([data, Buffer.alloc(Math.max(0, attrs.size - data.length))]).subarray(
              0,
              attrs.size,
            ),
            { cred },
          );
        }
      }
      session.changed();
      sftp.status(reqid, STATUS.OK, 'Success');
    } catch (e) {
      fail(reqid, e);
    }
  };
  sftp.on('SETSTAT', (reqid, path, attrs) => setstat(reqid, local(path), attrs));
  sftp.on('FSETSTAT', (reqid, handle, attrs) => {
    const h = handles.get(handle.toString('hex'));
    if (!h) return sftp.status(reqid, STATUS.FAILURE, 'Failure');
    setstat(reqid, h.path, attrs, h);
  });

  sftp.on('OPENDIR', (reqid, path) => {
    try {
      const full = local(path);
      const names = fs.readdir(full, { cred });
      sftp.handle(reqid, newHandle({ kind: 'dir', path: full, names: ['.', '..', ...names], done: false }));
    } catch (e) {
      fail(reqid, e);
    }
  });

  sftp.on('READDIR', (reqid, handle) => {
    const h = handles.get(handle.toString('hex'));
    if (h?.kind !== 'dir') return sftp.status(reqid, STATUS.FAILURE, 'Failure');
    if (h.done) return sftp.status(reqid, STATUS.EOF, 'End of file');
    h.done = true;
    const entries = h.names.map((name) => {
      const path = name === '.' ? h.path : name === '..' ? fs.normalise('..', h.path) : fs.join(h.path, name);
      const attrs = attrsOf(fs.stat(path, { followLast: false }));
      return { filename: name, longname: longname(name, attrs), attrs };
    });
    sftp.name(reqid, entries);
  });

  const simple = (reqid: number, f: () => void) => {
    try {
      f();
      session.changed();
      sftp.status(reqid, STATUS.OK, 'Success');
    } catch (e) {
      fail(reqid, e);
    }
  };

  sftp.on('REMOVE', (reqid, path) =>
    simple(reqid, () => {
      const full = local(path);
      if (fs.stat(full, { cred, followLast: false }).type === 'dir') throw new GuestFsError('EISDIR', full);
      fs.unlink(full, { cred });
    }),
  );
  sftp.on('RMDIR', (reqid, path) => simple(reqid, () => fs.rmdir(local(path), { cred })));
  sftp.on('MKDIR', (reqid, path, attrs) =>
    simple(reqid, () =>
      fs.mkdir(local(path), {
        cred,
        mode: (typeof attrs.mode === 'number' ? attrs.mode : 0o777) & 0o777 & ~0o022,
      }),
    ),
  );
  sftp.on('RENAME', (reqid, from, to) =>
    simple(reqid, () => fs.rename(local(from), local(to), { cred, noReplace: true })),
  );
  sftp.on('SYMLINK', (reqid, linkPath, targetPath) =>
    // OpenSSH's sftp-server swaps the two arguments relative to the draft (a long-standing quirk clients follow).
    simple(reqid, () => fs.symlink(targetPath, local(linkPath), { cred })),
  );

  sftp.on('REALPATH', (reqid, path) => {
    try {
      const full = fs.resolve(path === '' ? '.' : path, { cwd: session.home });
      sftp.name(reqid, [{ filename: remote(full), longname: remote(full), attrs: {} as Attributes }]);
    } catch (e) {
      fail(reqid, e);
    }
  });

  sftp.on('READLINK', (reqid, path) => {
    try {
      const target = fs.readlink(local(path));
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    } catch (e) {
      fail(reqid, e);
    }
  });

  sftp.on('EXTENDED', (reqid, name, data) => {
    if (name === 'posix-rename@openssh.com') {
      const a = sshString(data, 0);
      const b = a && sshString(data, a.next);
      if (!a || !b) return sftp.status(reqid, STATUS.FAILURE, 'Bad message');
      return simple(reqid, () => fs.rename(local(a.value), local(b.value), { cred }));
    }
    if (name === 'fsync@openssh.com') {
      const len = data.readUInt32BE(0);
      const h = handles.get(data.subarray(4, 4 + len).toString('hex'));
      if (!h) return sftp.status(reqid, STATUS.FAILURE, 'Failure');
      return simple(reqid, () => flush(h));
    }
    sftp.status(reqid, STATUS.OP_UNSUPPORTED, 'Operation unsupported');
  });
}
