import {
  type GuestCredential,
  type GuestFileRecord,
  type GuestFsData,
  GuestFsError,
  type GuestFsFlavour,
  type GuestStat,
  ROOT,
} from './guest-fs-records.ts';
import { baseName, joinPath, normalisePosix, normaliseWindows, parentPath } from './guest-paths.ts';

export * from './guest-fs-records.ts';

/**
 * An emulated guest's disk: an in-memory file tree kept as plain JSON
 * (contents base64), so it persists with the emulator's state.json and a
 * snapshot can copy it like the VM config. Two flavours: `posix` (Linux,
 * FreeBSD/pfSense: case-sensitive, `/`, modes and owners checked for
 * non-root callers, symlinks) and `windows` (drive letters, `\`,
 * case-insensitive but case-preserving, no POSIX permission checks).
 */

const now = () => Math.floor(Date.now() / 1000);
const MAX_LINKS = 40;

/** File tree operations on the JSON form; every method works on `data` in place. */
export class GuestFs {
  constructor(readonly data: GuestFsData) {}

  static create(flavour: GuestFsFlavour): GuestFs {
    const fs = new GuestFs({ flavour, entries: {} });
    if (flavour === 'posix') fs.data.entries['/'] = dirRecord(0o755, 0, 0);
    return fs;
  }

  get windows(): boolean {
    return this.data.flavour === 'windows';
  }

  // ---- paths ----------------------------------------------------------------

  /**
   * An absolute, normalised path in the flavour's own spelling (`/a/b`,
   * `C:\a\b`); relative paths resolve against `cwd`. Symlinks are not
   * followed here.
   */
  normalise(path: string, cwd?: string): string {
    return this.windows ? normaliseWindows(path, cwd) : normalisePosix(path, cwd);
  }

  /** The key an entry is stored under. */
  private key(normalised: string): string {
    return this.windows ? normalised.toLowerCase() : normalised;
  }

  private parentOf(normalised: string): string | undefined {
    return parentPath(normalised, this.windows);
  }

  basename(normalised: string): string {
    return baseName(normalised, this.windows);
  }

  join(dir: string, name: string): string {
    return joinPath(dir, name, this.windows);
  }

  /**
   * Follows symlinks in every component (and the last one when `followLast`),
   * checking search permission on each directory walked.
   */
  resolve(
    path: string,
    options: { cwd?: string; followLast?: boolean; cred?: GuestCredential } = {},
  ): string {
    let current = this.normalise(path, options.cwd);
    if (this.windows) return current;
    const cred = options.cred ?? ROOT;
    for (let hops = 0; hops <= MAX_LINKS; hops++) {
      const parts = current.split('/').filter(Boolean);
      let walked = '/';
      let redirected = false;
      for (let i = 0; i < parts.length; i++) {
        const dir = this.data.entries[walked];
        if (dir && dir.type === 'dir' && !this.allowed(dir, cred, 1)) throw new GuestFsError('EACCES', path);
        if (dir && dir.type !== 'dir') throw new GuestFsError('ENOTDIR', path);
        const next = walked === '/' ? `/${parts[i]}` : `${walked}/${parts[i]}`;
        const entry = this.data.entries[next];
        const last = i === parts.length - 1;
        if (entry?.type === 'symlink' && (!last || options.followLast !== false)) {
          const target = entry.target ?? '';
          const rest = parts.slice(i + 1).join('/');
          current = this.normalise(`${target}${rest ? `/${rest}` : ''}`, walked);
          redirected = true;
          break;
        }
        walked = next;
      }
      if (!redirected) return current;
    }
    throw new GuestFsError('ELOOP', path);
  }

  /** Windows: a new entry's display path, keeping the case its parent was created with. */
  private childName(parent: string, resolved: string): string {
    return this.join(this.display(this.key(parent)), this.basename(resolved));
  }

  /** Display form of a stored key (Windows keeps the case it was created with). */
  private display(key: string): string {
    return this.data.entries[key]?.name ?? key;
  }

  // ---- permission checks (posix only) ----------------------------------------

  private allowed(entry: GuestFileRecord, cred: GuestCredential, bit: 4 | 2 | 1): boolean {
    if (this.windows || cred.uid === 0) return true;
    const shift = entry.uid === cred.uid ? 6 : entry.gid === cred.gid ? 3 : 0;
    return ((entry.mode >> shift) & bit) !== 0;
  }

  /** Write permission on the parent, and the sticky-bit rule for removing or replacing `key`. */
  private checkDirWrite(
    parentKey: string,
    childKey: string | undefined,
    cred: GuestCredential,
    path: string,
  ) {
    const dir = this.data.entries[parentKey];
    if (!dir) throw new GuestFsError('ENOENT', path);
    if (dir.type !== 'dir') throw new GuestFsError('ENOTDIR', path);
    if (!this.allowed(dir, cred, 2) || !this.allowed(dir, cred, 1)) throw new GuestFsError('EACCES', path);
    const child = childKey ? this.data.entries[childKey] : undefined;
    if (child && !this.windows && cred.uid !== 0 && dir.mode & 0o1000) {
      if (child.uid !== cred.uid && dir.uid !== cred.uid) throw new GuestFsError('EACCES', path);
    }
  }

  // ---- queries --------------------------------------------------------------

  private entryAt(path: string, options: { cwd?: string; followLast?: boolean; cred?: GuestCredential }) {
    const resolved = this.resolve(path, options);
    const key = this.key(resolved);
    const entry = this.data.entries[key];
    if (!entry) {
      const parent = this.parentOf(resolved);
      const parentEntry = parent === undefined ? undefined : this.data.entries[this.key(parent)];
      if (parentEntry && parentEntry.type !== 'dir') throw new GuestFsError('ENOTDIR', path);
      throw new GuestFsError('ENOENT', path);
    }
    return { resolved, key, entry };
  }

  exists(path: string, cwd?: string): boolean {
    try {
      this.entryAt(path, { cwd });
      return true;
    } catch {
      return false;
    }
  }

  stat(
    path: string,
    options: { cwd?: string; cred?: GuestCredential; followLast?: boolean } = {},
  ): GuestStat {
    const { key, entry } = this.entryAt(path, options);
    return {
      type: entry.type,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      size:
        entry.type === 'file'
          ? Buffer.byteLength(entry.data ?? '', 'base64')
          : entry.type === 'symlink'
            ? (entry.target ?? '').length
            : 4096,
      mtime: entry.mtime,
      path: this.display(key),
    };
  }

  readFile(path: string, options: { cwd?: string; cred?: GuestCredential } = {}): Buffer {
    const { entry } = this.entryAt(path, options);
    if (entry.type === 'dir') throw new GuestFsError('EISDIR', path);
    if (!this.allowed(entry, options.cred ?? ROOT, 4)) throw new GuestFsError('EACCES', path);
    return Buffer.from(entry.data ?? '', 'base64');
  }

  readText(path: string, options: { cwd?: string; cred?: GuestCredential } = {}): string {
    return this.readFile(path, options).toString('utf8');
  }

  readlink(path: string, cwd?: string): string {
    const { entry } = this.entryAt(path, { cwd, followLast: false });
    if (entry.type !== 'symlink') throw new GuestFsError('EINVAL', path);
    return entry.target ?? '';
  }

  /** Names in a directory, sorted. */
  readdir(path: string, options: { cwd?: string; cred?: GuestCredential } = {}): string[] {
    const { key, entry } = this.entryAt(path, options);
    if (entry.type !== 'dir') throw new GuestFsError('ENOTDIR', path);
    if (!this.allowed(entry, options.cred ?? ROOT, 4)) throw new GuestFsError('EACCES', path);
    const names: string[] = [];
    for (const k of Object.keys(this.data.entries)) {
      if (k === key || this.parentOf(k) !== key) continue;
      names.push(this.basename(this.display(k)));
    }
    return names.sort();
  }

  // ---- changes --------------------------------------------------------------

  /** Creates or replaces a file's contents (`append` adds to it); the mode applies only to a new file. */
  writeFile(
    path: string,
    contents: Buffer | string,
    options: {
      cwd?: string;
      cred?: GuestCredential;
      mode?: number;
      append?: boolean;
      exclusive?: boolean;
    } = {},
  ): void {
    const cred = options.cred ?? ROOT;
    const resolved = this.resolve(path, { cwd: options.cwd, cred });
    const key = this.key(resolved);
    const data = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    const existing = this.data.entries[key];
    if (existing) {
      if (options.exclusive) throw new GuestFsError('EEXIST', path);
      if (existing.type === 'dir') throw new GuestFsError('EISDIR', path);
      if (!this.allowed(existing, cred, 2)) throw new GuestFsError('EACCES', path);
      const before = options.append ? Buffer.from(existing.data ?? '', 'base64') : Buffer.alloc(0);
      existing.data = Buffer.concat([before, data]).toString('base64');
      existing.mtime = now();
      return;
    }
    const parent = this.parentOf(resolved);
    if (parent === undefined) throw new GuestFsError('EISDIR', path);
    this.checkDirWrite(this.key(parent), undefined, cred, path);
    this.data.entries[key] = {
      type: 'file',
      mode: (options.mode ?? 0o644) & 0o7777,
      uid: cred.uid,
      gid: cred.gid,
      mtime: now(),
      data: data.toString('base64'),
      ...(this.windows ? { name: this.childName(parent, resolved) } : {}),
    };
  }

  /** `mkdir` (or `mkdir -p` with `recursive`, which accepts an existing directory). */
  mkdir(
    path: string,
    options: { cwd?: string; cred?: GuestCredential; mode?: number; recursive?: boolean } = {},
  ) {
    const cred = options.cred ?? ROOT;
    const resolved = this.resolve(path, { cwd: options.cwd, cred });
    const key = this.key(resolved);
    const existing = this.data.entries[key];
    if (existing) {
      if (options.recursive && existing.type === 'dir') return;
      throw new GuestFsError('EEXIST', path);
    }
    const parent = this.parentOf(resolved);
    if (parent === undefined) {
      // A drive root.
      this.data.entries[key] = { ...dirRecord(0o755, 0, 0), ...(this.windows ? { name: resolved } : {}) };
      return;
    }
    if (!this.data.entries[this.key(parent)]) {
      if (!options.recursive) throw new GuestFsError('ENOENT', path);
      this.mkdir(parent, { ...options, mode: 0o755 });
    }
    this.checkDirWrite(this.key(parent), undefined, cred, path);
    this.data.entries[key] = {
      ...dirRecord((options.mode ?? 0o755) & 0o7777, cred.uid, cred.gid),
      ...(this.windows ? { name: this.childName(parent, resolved) } : {}),
    };
  }

  symlink(target: string, path: string, options: { cwd?: string; cred?: GuestCredential } = {}): void {
    const cred = options.cred ?? ROOT;
    const resolved = this.resolve(path, { cwd: options.cwd, cred, followLast: false });
    const key = this.key(resolved);
    if (this.data.entries[key]) throw new GuestFsError('EEXIST', path);
    const parent = this.parentOf(resolved);
    if (parent === undefined) throw new GuestFsError('EEXIST', path);
    this.checkDirWrite(this.key(parent), undefined, cred, path);
    this.data.entries[key] = {
      type: 'symlink',
      mode: 0o777,
      uid: cred.uid,
      gid: cred.gid,
      mtime: now(),
      target,
    };
  }

  /** Removes a file or symlink (`unlink`); a directory is EISDIR. */
  unlink(path: string, options: { cwd?: string; cred?: GuestCredential } = {}): void {
    const cred = options.cred ?? ROOT;
    const { resolved, key, entry } = this.entryAt(path, { ...options, followLast: false });
    if (entry.type === 'dir') throw new GuestFsError('EISDIR', path);
    const parent = this.parentOf(resolved);
    if (parent !== undefined) this.checkDirWrite(this.key(parent), key, cred, path);
    delete this.data.entries[key];
  }

  /** Removes an empty directory, or with `recursive` a whole tree. */
  rmdir(path: string, options: { cwd?: string; cred?: GuestCredential; recursive?: boolean } = {}): void {
    const cred = options.cred ?? ROOT;
    const { resolved, key, entry } = this.entryAt(path, { ...options, followLast: false });
    if (entry.type !== 'dir') throw new GuestFsError('ENOTDIR', path);
    const parent = this.parentOf(resolved);
    if (parent === undefined) throw new GuestFsError('EACCES', path);
    const children = this.descendants(key);
    if (children.length && !options.recursive) throw new GuestFsError('ENOTEMPTY', path);
    this.checkDirWrite(this.key(parent), key, cred, path);
    for (const child of children) delete this.data.entries[child];
    delete this.data.entries[key];
  }

  private descendants(key: string): string[] {
    const prefix = this.windows ? `${key.replace(/\\$/, '')}\\` : key === '/' ? '/' : `${key}/`;
    return Object.keys(this.data.entries).filter((k) => k !== key && k.startsWith(prefix));
  }

  /**
   * rename(2): replaces an existing target file (unless `noReplace`, the
   * SFTPv3 RENAME semantics of OpenSSH's sftp-server), moves a directory with
   * its tree; a directory onto a file is ENOTDIR and onto a non-empty
   * directory ENOTEMPTY.
   */
  rename(
    from: string,
    to: string,
    options: { cwd?: string; cred?: GuestCredential; noReplace?: boolean } = {},
  ): void {
    const cred = options.cred ?? ROOT;
    const src = this.entryAt(from, { cwd: options.cwd, cred, followLast: false });
    const destPath = this.resolve(to, { cwd: options.cwd, cred, followLast: false });
    const destKey = this.key(destPath);
    if (destKey === src.key) return;
    const destParent = this.parentOf(destPath);
    const srcParent = this.parentOf(src.resolved);
    if (destParent === undefined || srcParent === undefined) throw new GuestFsError('EINVAL', to);
    if (!this.data.entries[this.key(destParent)]) throw new GuestFsError('ENOENT', to);
    const prefix = this.windows ? `${src.key}\\` : `${src.key}/`;
    if (destKey.startsWith(prefix)) throw new GuestFsError('EINVAL', to);
    const existing = this.data.entries[destKey];
    if (existing) {
      if (options.noReplace) throw new GuestFsError('EEXIST', to);
      if (src.entry.type === 'dir' && existing.type !== 'dir') throw new GuestFsError('ENOTDIR', to);
      if (src.entry.type !== 'dir' && existing.type === 'dir') throw new GuestFsError('EISDIR', to);
      if (existing.type === 'dir' && this.descendants(destKey).length)
        throw new GuestFsError('ENOTEMPTY', to);
    }
    this.checkDirWrite(this.key(srcParent), src.key, cred, from);
    this.checkDirWrite(this.key(destParent), existing ? destKey : undefined, cred, to);
    const moved: Array<[string, GuestFileRecord]> = [[src.key, src.entry]];
    if (src.entry.type === 'dir') {
      for (const k of this.descendants(src.key)) moved.push([k, this.data.entries[k]!]);
    }
    for (const [k] of moved) delete this.data.entries[k];
    delete this.data.entries[destKey];
    for (const [k, record] of moved) {
      const newKey = destKey + k.slice(src.key.length);
      if (this.windows) {
        const destName = this.childName(destParent, destPath);
        record.name = destName + (record.name ?? k).slice(src.resolved.length);
      }
      this.data.entries[newKey] = record;
    }
  }

  chmod(path: string, mode: number, options: { cwd?: string; cred?: GuestCredential } = {}): void {
    const cred = options.cred ?? ROOT;
    const { entry } = this.entryAt(path, options);
    if (!this.windows && cred.uid !== 0 && entry.uid !== cred.uid) throw new GuestFsError('EACCES', path);
    entry.mode = mode & 0o7777;
  }

  chown(
    path: string,
    uid: number,
    gid: number,
    options: { cwd?: string; cred?: GuestCredential } = {},
  ): void {
    const cred = options.cred ?? ROOT;
    const { entry } = this.entryAt(path, options);
    if (!this.windows && cred.uid !== 0) throw new GuestFsError('EACCES', path);
    entry.uid = uid;
    entry.gid = gid;
  }

  /** Paths under a directory (for tests and listings), display form, sorted. */
  list(under?: string): string[] {
    const base = under === undefined ? undefined : this.key(this.normalise(under));
    const inside = base === undefined ? undefined : new Set([base, ...this.descendants(base)]);
    return Object.keys(this.data.entries)
      .filter((k) => inside === undefined || inside.has(k))
      .map((k) => this.display(k))
      .sort();
  }
}

function dirRecord(mode: number, uid: number, gid: number): GuestFileRecord {
  return { type: 'dir', mode, uid, gid, mtime: now() };
}
