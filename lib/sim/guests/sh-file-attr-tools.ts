import type { Proc } from './sh-process.ts';
import { bsd, err, fsError, fsOpts, gq, gqu, options, write } from './sh-tool-kit.ts';

/** The tools that change or show a file's mode, owner and name: `chmod`, `chown`, `ls`, path tools and `which`. */

export function parseMode(spec: string, current: number, isDir: boolean): number | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let mode = current;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) return undefined;
    const who = m[1] || 'a';
    let bits = 0;
    for (const perm of m[3]!) {
      const v =
        perm === 'r'
          ? 4
          : perm === 'w'
            ? 2
            : perm === 'x' || (perm === 'X' && (isDir || current & 0o111))
              ? 1
              : 0;
      for (const w of who === 'a' ? 'ugo' : who) bits |= v << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      if (perm === 't') bits |= 0o1000;
    }
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else {
      let mask = 0;
      for (const w of who === 'a' ? 'ugo' : who) mask |= 7 << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      mode = (mode & ~mask) | bits;
    }
  }
  return mode;
}

export function chmod(p: Proc, args: string[]): number {
  const modeFirst = args.find((a) => !a.startsWith('-') || /^-[rwxXst]+$/.test(a));
  const rest = args.filter((a) => a !== modeFirst);
  const o = options(p, rest, 'Rfv');
  if (typeof o === 'number') return o;
  if (modeFirst === undefined) {
    err(p, 'missing operand');
    return 1;
  }
  if (!o.operands.length) {
    err(
      p,
      bsd(p)
        ? 'usage: chmod [-fhv] [-R [-H | -L | -P]] mode file ...'
        : `missing operand after ${gqu(modeFirst)}`,
    );
    if (!bsd(p)) p.io.err.write(`Try '${p.name} --help' for more information.\n`);
    return 1;
  }
  const fs = p.shell.guest.fs;
  let status = 0;
  for (const f of o.operands) {
    try {
      const st = fs.stat(f, fsOpts(p));
      const mode = parseMode(modeFirst, st.mode, st.type === 'dir');
      if (mode === undefined) {
        err(p, bsd(p) ? `Invalid file mode: ${modeFirst}` : `invalid mode: ${gqu(modeFirst)}`);
        if (!bsd(p)) p.io.err.write(`Try '${p.name} --help' for more information.\n`);
        return 1;
      }
      fs.chmod(f, mode, fsOpts(p));
    } catch (e) {
      const fe = fsError(e);
      err(
        p,
        bsd(p)
          ? `${f}: ${fe.code === 'EACCES' ? 'Operation not permitted' : fe.strerror}`
          : fe.code === 'EACCES'
            ? `changing permissions of ${gq(f)}: Operation not permitted`
            : `cannot access ${gq(f)}: ${fe.strerror}`,
      );
      status = 1;
    }
  }
  return status;
}

export function chown(p: Proc, args: string[]): number {
  const o = options(p, args, 'Rhfv');
  if (typeof o === 'number') return o;
  const [spec, ...files] = o.operands;
  if (spec === undefined || !files.length) {
    err(p, 'missing operand');
    return 1;
  }
  const [userName, groupName] = spec.split(':');
  const guest = p.shell.guest;
  const account = userName ? guest.account(userName) : undefined;
  if (userName && !account && !/^\d+$/.test(userName)) {
    err(p, bsd(p) ? `${userName}: illegal user name` : `invalid user: ${gqu(spec)}`);
    return 1;
  }
  const uid = account?.uid ?? (userName ? Number(userName) : undefined);
  const group = groupName ? guest.account(groupName) : undefined;
  const gid = group?.gid ?? (groupName && /^\d+$/.test(groupName) ? Number(groupName) : account?.gid);
  let status = 0;
  for (const f of files) {
    try {
      const st = guest.fs.stat(f, fsOpts(p));
      guest.fs.chown(f, uid ?? st.uid, gid ?? st.gid, fsOpts(p));
    } catch (e) {
      const fe = fsError(e);
      err(
        p,
        fe.code === 'EACCES'
          ? bsd(p)
            ? `${f}: Operation not permitted`
            : `changing ownership of ${gq(f)}: Operation not permitted`
          : bsd(p)
            ? `${f}: ${fe.strerror}`
            : `cannot access ${gq(f)}: ${fe.strerror}`,
      );
      status = 1;
    }
  }
  return status;
}

export function ls(p: Proc, args: string[]): number {
  const o = options(p, args, 'la1dA');
  if (typeof o === 'number') return o;
  const fs = p.shell.guest.fs;
  let status = 0;
  const long = o.flags.has('l');
  const all = o.flags.has('a') || o.flags.has('A');
  const line = (name: string, path: string) => {
    if (!long) return `${name}\n`;
    const st = fs.stat(path, { ...fsOpts(p), followLast: false });
    const t = st.type === 'dir' ? 'd' : st.type === 'symlink' ? 'l' : '-';
    const perms = [6, 3, 0]
      .map((s) => ['r', 'w', 'x'].map((c, i) => ((st.mode >> s) & (4 >> i) ? c : '-')).join(''))
      .join('');
    const owner = (uid: number) =>
      Object.values(p.shell.guest.guest.accounts).find((a) => a.uid === uid)?.name ?? String(uid);
    return `${t}${perms} 1 ${owner(st.uid)} ${owner(st.gid)} ${st.size} ${name}${st.type === 'symlink' ? ` -> ${fs.readlink(path, p.cwd)}` : ''}\n`;
  };
  for (const target of o.operands.length ? o.operands : ['.']) {
    try {
      const st = fs.stat(target, fsOpts(p));
      if (st.type !== 'dir' || o.flags.has('d')) {
        write(p, line(target, target));
        continue;
      }
      const names = fs.readdir(target, fsOpts(p)).filter((n) => all || !n.startsWith('.'));
      for (const n of names) write(p, line(n, `${target.replace(/\/+$/, '')}/${n}`));
    } catch (e) {
      const fe = fsError(e);
      err(p, bsd(p) ? `${target}: ${fe.strerror}` : `cannot access ${gq(target)}: ${fe.strerror}`);
      status = 2;
    }
  }
  return status;
}

export function readlink(p: Proc, args: string[]): number {
  const o = options(p, args, 'fn');
  if (typeof o === 'number') return o;
  const fs = p.shell.guest.fs;
  const path = o.operands[0];
  if (!path) {
    err(p, 'missing operand');
    return 1;
  }
  try {
    const out = o.flags.has('f') ? fs.resolve(path, { cwd: p.cwd }) : fs.readlink(path, p.cwd);
    write(p, o.flags.has('n') ? out : `${out}\n`);
    return 0;
  } catch {
    return 1;
  }
}

export function dirname(p: Proc, args: string[]): number {
  if (!args.length) {
    err(p, 'missing operand');
    return 1;
  }
  for (const a of args) {
    const trimmed = a.replace(/\/+$/, '') || '/';
    const i = trimmed.lastIndexOf('/');
    write(p, `${i < 0 ? '.' : i === 0 ? '/' : trimmed.slice(0, i).replace(/\/+$/, '') || '/'}\n`);
  }
  return 0;
}

export function basename(p: Proc, args: string[]): number {
  const [path, suffix] = args;
  if (path === undefined) {
    err(p, 'missing operand');
    return 1;
  }
  const trimmed = path.replace(/\/+$/, '') || '/';
  let base = trimmed === '/' ? '/' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (suffix && base !== suffix && base.endsWith(suffix)) base = base.slice(0, -suffix.length);
  write(p, `${base}\n`);
  return 0;
}

export function realpath(p: Proc, args: string[]): number {
  let status = 0;
  for (const a of args.filter((x) => !x.startsWith('-'))) {
    try {
      const resolved = p.shell.guest.fs.resolve(a, { cwd: p.cwd, cred: p.cred });
      p.shell.guest.fs.stat(resolved);
      write(p, `${resolved}\n`);
    } catch (e) {
      err(p, `${a}: ${fsError(e).strerror}`);
      status = 1;
    }
  }
  return status;
}

export function which(p: Proc, args: string[]): number {
  let status = 0;
  const path = p.env.PATH ?? '/usr/bin:/bin';
  for (const name of args.filter((a) => !a.startsWith('-'))) {
    const hit = path
      .split(':')
      .map((d) => `${d}/${name}`)
      .find((c) => {
        try {
          const st = p.shell.guest.fs.stat(c);
          return st.type === 'file' && (st.mode & 0o111) !== 0;
        } catch {
          return false;
        }
      });
    if (hit) write(p, `${hit}\n`);
    else status = 1;
  }
  return status;
}
