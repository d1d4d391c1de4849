import { GuestFsError } from './guest-fs-records.ts';

/**
 * How a guest spells paths: POSIX (`/a/b`, case-sensitive) or Windows
 * (`C:\a\b`, any slash, `/C:/a` as Win32-OpenSSH's sftp-server shows it).
 * Pure text: symlinks are GuestFs's business.
 */

/** `/a/b` from an absolute path or one relative to `cwd`; `..` and `.` removed. */
export function normalisePosix(path: string, cwd?: string): string {
  if (path === '') throw new GuestFsError('ENOENT', path);
  const base = path.startsWith('/') ? '' : (cwd ?? '/');
  const parts: string[] = [];
  for (const part of `${base}/${path}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * `C:\a\b` from `C:\a\b`, `C:/a/b`, `/C:/a/b` (as Win32-OpenSSH's sftp-server
 * shows paths) or a path relative to `cwd`; `..` and `.` removed.
 */
export function normaliseWindows(path: string, cwd?: string): string {
  let p = path.replace(/\//g, '\\');
  if (/^\\[A-Za-z]:/.test(p)) p = p.slice(1);
  if (p === '') throw new GuestFsError('ENOENT', path);
  let drive: string;
  let rest: string;
  const abs = /^([A-Za-z]):(.*)$/.exec(p);
  if (abs) {
    drive = abs[1]!.toUpperCase();
    rest = abs[2]!;
    if (!rest.startsWith('\\')) rest = `\\${rest}`;
  } else {
    const base = cwd ? normaliseWindows(cwd) : 'C:\\';
    drive = base[0]!;
    rest = p.startsWith('\\') ? p : `${base.slice(2)}\\${p}`;
  }
  const parts: string[] = [];
  for (const part of rest.split('\\')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `${drive}:\\${parts.join('\\')}`;
}

/** The directory holding a normalised path; undefined for the root (`/`, `C:\`). */
export function parentPath(normalised: string, windows: boolean): string | undefined {
  if (windows) {
    const i = normalised.lastIndexOf('\\');
    if (i < 0 || normalised.length <= 3) return undefined;
    return i === 2 ? normalised.slice(0, 3) : normalised.slice(0, i);
  }
  if (normalised === '/') return undefined;
  const i = normalised.lastIndexOf('/');
  return i === 0 ? '/' : normalised.slice(0, i);
}

/** The last component of a normalised path. */
export function baseName(normalised: string, windows: boolean): string {
  const sep = windows ? '\\' : '/';
  return normalised.slice(normalised.lastIndexOf(sep) + 1);
}

/** `name` inside `dir`, with the flavour's separator. */
export function joinPath(dir: string, name: string, windows: boolean): string {
  const sep = windows ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}
