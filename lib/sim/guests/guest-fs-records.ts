/** What an emulated guest's file tree is made of (its JSON records), who acts on it, and how it fails (errno). */

export type GuestFsFlavour = 'posix' | 'windows';

export interface GuestFileRecord {
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (and the sticky bit 0o1000 on directories). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** File contents, base64. */
  data?: string;
  /** Symlink target as written. */
  target?: string;
  /** Windows: the path with its case as created (keys are lower-cased). */
  name?: string;
}

/** The JSON form, stored in the VM's guest state. */
export interface GuestFsData {
  flavour: GuestFsFlavour;
  entries: Record<string, GuestFileRecord>;
}

export type GuestFsErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'EACCES'
  | 'ENOTEMPTY'
  | 'EINVAL'
  | 'ELOOP';

const STRERROR: Record<GuestFsErrorCode, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EACCES: 'Permission denied',
  ENOTEMPTY: 'Directory not empty',
  EINVAL: 'Invalid argument',
  ELOOP: 'Too many levels of symbolic links',
};

export class GuestFsError extends Error {
  constructor(
    readonly code: GuestFsErrorCode,
    readonly path: string,
  ) {
    super(STRERROR[code]);
    this.name = 'GuestFsError';
  }
  /** The C library's text, as tools print it after the path. */
  get strerror(): string {
    return STRERROR[this.code];
  }
}

/** Who performs an operation: root (uid 0) passes every permission check. */
export interface GuestCredential {
  readonly uid: number;
  readonly gid: number;
}

export const ROOT: GuestCredential = { uid: 0, gid: 0 };

export interface GuestStat {
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  /** The canonical path (Windows: as displayed, `C:\...`). */
  readonly path: string;
}
