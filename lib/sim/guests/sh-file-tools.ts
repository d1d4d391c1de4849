import { GuestFsError } from './guest-fs.ts';
import { parseMode } from './sh-file-attr-tools.ts';
import type { Proc } from './sh-process.ts';
import { bsd, err, fsError, fsOpts, gq, gqu, options, readInputs, write } from './sh-tool-kit.ts';

/** The tools that read, create, move and remove files and directories (coreutils on Linux, FreeBSD's on pfSense). */

export async function cat(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'u');
  if (typeof o === 'number') return o;
  let status = 0;
  for (const f of o.operands.length ? o.operands : ['-']) {
    const got = await readInputs(p, [f], (file, e) => {
      err(p, `${file}: ${e.strerror}`);
      status = 1;
    });
    for (const g of got) write(p, g.data);
  }
  return status;
}

export function mkdir(p: Proc, args: string[]): number {
  const o = options(p, args, 'pv', 'm');
  if (typeof o === 'number') return o;
  if (!o.operands.length) {
    err(p, 'missing operand');
    return 1;
  }
  const mode = o.values.m !== undefined ? parseMode(o.values.m, 0o755, true) : 0o755;
  if (mode === undefined) {
    err(p, `invalid mode ${gqu(o.values.m!)}`);
    return 1;
  }
  let status = 0;
  for (const d of o.operands) {
    try {
      if (o.flags.has('p')) {
        // Every missing parent, so report the first component that fails.
        const fs = p.shell.guest.fs;
        const parts = fs.normalise(d, p.cwd).split('/').filter(Boolean);
        let path = '';
        for (const [i, part] of parts.entries()) {
          path += `/${part}`;
          try {
            fs.mkdir(path, { ...fsOpts(p), recursive: true, mode: i === parts.length - 1 ? mode : 0o755 });
          } catch (e) {
            const fe = fsError(e);
            const shown = d.startsWith('/') ? path : path.slice(fs.normalise('.', p.cwd).length + 1) || part;
            throw new GuestFsError(fe.code, shown);
          }
        }
      } else p.shell.guest.fs.mkdir(d, { ...fsOpts(p), mode });
    } catch (e) {
      const fe = fsError(e);
      err(
        p,
        bsd(p) ? `${fe.path}: ${fe.strerror}` : `cannot create directory ${gqu(fe.path)}: ${fe.strerror}`,
      );
      status = 1;
    }
  }
  return status;
}

export function rm(p: Proc, args: string[]): number {
  const o = options(p, args, 'fRrvi');
  if (typeof o === 'number') return o;
  const force = o.flags.has('f');
  const recursive = o.flags.has('r') || o.flags.has('R');
  if (!o.operands.length) {
    if (force) return 0;
    err(p, 'missing operand');
    return 1;
  }
  const fs = p.shell.guest.fs;
  let status = 0;
  for (const f of o.operands) {
    try {
      const st = fs.stat(f, { ...fsOpts(p), followLast: false });
      if (st.type === 'dir') {
        if (!recursive) throw new GuestFsError('EISDIR', f);
        fs.rmdir(f, { ...fsOpts(p), recursive: true });
      } else fs.unlink(f, fsOpts(p));
    } catch (e) {
      const fe = fsError(e);
      if (force && fe.code === 'ENOENT') continue;
      err(p, bsd(p) ? `${f}: ${fe.strerror}` : `cannot remove ${gq(f)}: ${fe.strerror}`);
      status = 1;
    }
  }
  return status;
}

export function rmdir(p: Proc, args: string[]): number {
  const o = options(p, args, 'p');
  if (typeof o === 'number') return o;
  let status = 0;
  for (const d of o.operands) {
    try {
      p.shell.guest.fs.rmdir(d, fsOpts(p));
    } catch (e) {
      const fe = fsError(e);
      err(p, bsd(p) ? `${d}: ${fe.strerror}` : `failed to remove ${gq(d)}: ${fe.strerror}`);
      status = 1;
    }
  }
  return status;
}

/** The target of mv/cp/ln: into the directory when the last operand is one. */
function destinationOf(p: Proc, src: string, dest: string, many: boolean): string | undefined {
  const fs = p.shell.guest.fs;
  let isDir = false;
  try {
    isDir = fs.stat(dest, fsOpts(p)).type === 'dir';
  } catch {
    isDir = false;
  }
  if (many && !isDir) return undefined;
  return isDir ? `${dest.replace(/\/+$/, '')}/${fs.basename(fs.normalise(src, p.cwd))}` : dest;
}

export function mv(p: Proc, args: string[]): number {
  const o = options(p, args, 'fiv');
  if (typeof o === 'number') return o;
  if (o.operands.length < 2) {
    err(
      p,
      o.operands.length
        ? `missing destination file operand after ${gq(o.operands[0]!)}`
        : 'missing file operand',
    );
    if (!bsd(p)) p.io.err.write(`Try '${p.name} --help' for more information.\n`);
    return 1;
  }
  const dest = o.operands[o.operands.length - 1]!;
  const sources = o.operands.slice(0, -1);
  const fs = p.shell.guest.fs;
  let status = 0;
  for (const src of sources) {
    const target = destinationOf(p, src, dest, sources.length > 1);
    if (target === undefined) {
      err(p, bsd(p) ? `${dest}: Not a directory` : `target ${gq(dest)}: Not a directory`);
      return 1;
    }
    try {
      fs.stat(src, { ...fsOpts(p), followLast: false });
    } catch (e) {
      const fe = fsError(e);
      err(
        p,
        bsd(p) ? `rename ${src} to ${target}: ${fe.strerror}` : `cannot stat ${gq(src)}: ${fe.strerror}`,
      );
      status = 1;
      continue;
    }
    try {
      fs.rename(src, target, fsOpts(p));
    } catch (e) {
      const fe = fsError(e);
      err(
        p,
        bsd(p)
          ? `rename ${src} to ${target}: ${fe.strerror}`
          : `cannot move ${gq(src)} to ${gq(target)}: ${fe.strerror}`,
      );
      status = 1;
    }
  }
  return status;
}

export function cp(p: Proc, args: string[]): number {
  const o = options(p, args, 'rRpfav');
  if (typeof o === 'number') return o;
  if (o.operands.length < 2) {
    err(
      p,
      o.operands.length
        ? `missing destination file operand after ${gq(o.operands[0]!)}`
        : 'missing file operand',
    );
    return 1;
  }
  const recursive = o.flags.has('r') || o.flags.has('R') || o.flags.has('a');
  const dest = o.operands[o.operands.length - 1]!;
  const sources = o.operands.slice(0, -1);
  const fs = p.shell.guest.fs;
  let status = 0;
  const copy = (from: string, to: string) => {
    const st = fs.stat(from, fsOpts(p));
    if (st.type === 'dir') {
      fs.mkdir(to, { ...fsOpts(p), recursive: true, mode: st.mode });
      for (const n of fs.readdir(from, fsOpts(p))) copy(`${from}/${n}`, `${to}/${n}`);
      return;
    }
    const data = fs.readFile(from, fsOpts(p));
    try {
      fs.writeFile(to, data, { ...fsOpts(p), mode: st.mode });
    } catch (e) {
      const fe = fsError(e);
      throw new CopyError(
        bsd(p) ? `${to}: ${fe.strerror}` : `cannot create regular file ${gq(to)}: ${fe.strerror}`,
      );
    }
  };
  for (const src of sources) {
    const target = destinationOf(p, src, dest, sources.length > 1);
    if (target === undefined) {
      err(p, `target ${gq(dest)}: Not a directory`);
      return 1;
    }
    try {
      const st = fs.stat(src, fsOpts(p));
      if (st.type === 'dir' && !recursive) {
        err(
          p,
          bsd(p) ? `${src} is a directory (not copied).` : `-r not specified; omitting directory ${gq(src)}`,
        );
        status = 1;
        continue;
      }
      copy(src, target);
    } catch (e) {
      if (e instanceof CopyError) err(p, e.message);
      else
        err(p, bsd(p) ? `${src}: ${fsError(e).strerror}` : `cannot stat ${gq(src)}: ${fsError(e).strerror}`);
      status = 1;
    }
  }
  return status;
}

class CopyError extends Error {}

export function touch(p: Proc, args: string[]): number {
  const o = options(p, args, 'acm');
  if (typeof o === 'number') return o;
  const fs = p.shell.guest.fs;
  let status = 0;
  for (const f of o.operands) {
    try {
      if (fs.exists(f, p.cwd)) fs.writeFile(f, '', { ...fsOpts(p), append: true });
      else fs.writeFile(f, '', fsOpts(p));
    } catch (e) {
      const fe = fsError(e);
      err(p, bsd(p) ? `${f}: ${fe.strerror}` : `cannot touch ${gq(f)}: ${fe.strerror}`);
      status = 1;
    }
  }
  return status;
}

export function ln(p: Proc, args: string[]): number {
  const o = options(p, args, 'sfn');
  if (typeof o === 'number') return o;
  const [target, link] = o.operands;
  if (!target || !link) {
    err(p, 'missing file operand');
    return 1;
  }
  const fs = p.shell.guest.fs;
  try {
    if (o.flags.has('f') && fs.exists(link, p.cwd)) fs.unlink(link, fsOpts(p));
    if (o.flags.has('s')) fs.symlink(target, link, fsOpts(p));
    else fs.writeFile(link, fs.readFile(target, fsOpts(p)), { ...fsOpts(p), exclusive: true });
    return 0;
  } catch (e) {
    const fe = fsError(e);
    err(
      p,
      bsd(p)
        ? `${link}: ${fe.strerror}`
        : `failed to create ${o.flags.has('s') ? 'symbolic ' : 'hard '}link ${gq(link)}: ${fe.strerror}`,
    );
    return 1;
  }
}

let tempCounter = 0;

export function mktemp(p: Proc, args: string[]): number {
  const o = options(p, args, 'dqu', 'p');
  if (typeof o === 'number') return o;
  const template = o.operands[0] ?? 'tmp.XXXXXXXXXX';
  const xs = /X{3,}$/.exec(template);
  if (!xs) {
    err(p, `too few X's in template ${gqu(template)}`);
    return 1;
  }
  const dir = o.values.p ?? (template.includes('/') ? '' : (p.env.TMPDIR ?? '/tmp'));
  const fs = p.shell.guest.fs;
  for (let attempt = 0; attempt < 100; attempt++) {
    tempCounter += 1;
    const suffix = `${Date.now().toString(36)}${tempCounter.toString(36)}`
      .slice(-xs[0].length)
      .padStart(xs[0].length, 'a');
    const name = template.slice(0, xs.index) + suffix;
    const path = dir ? `${dir.replace(/\/+$/, '')}/${name}` : name;
    if (fs.exists(path, p.cwd)) continue;
    try {
      if (o.flags.has('d')) fs.mkdir(path, { ...fsOpts(p), mode: 0o700 });
      else fs.writeFile(path, '', { ...fsOpts(p), mode: 0o600, exclusive: true });
      write(p, `${path}\n`);
      return 0;
    } catch (e) {
      err(
        p,
        `failed to create ${o.flags.has('d') ? 'directory' : 'file'} via template ${gqu(path.replace(suffix, xs[0]))}: ${fsError(e).strerror}`,
      );
      return 1;
    }
  }
  return 1;
}
