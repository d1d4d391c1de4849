import { createHash } from 'node:crypto';
import { GuestFsError } from './guest-fs.ts';
import { type Proc, Shell } from './sh-dialect.ts';

/**
 * The tools the emulated Linux and pfSense guests have, each a faithful
 * subset: the options listed per tool, GNU coreutils' messages on Linux
 * (as Debian 12 prints them in a UTF-8 locale) and FreeBSD's on pfSense.
 * An option a tool does not know fails as the real tool does
 * (`invalid option`, status 1 or 2), never silently.
 */

/** Run inside the shell itself (bash's builtins): found without PATH. */
export const SHELL_BUILTINS = new Set(['echo', 'printf', 'test', '[', 'true', 'false', 'pwd']);

type Tool = (p: Proc, args: string[]) => Promise<number> | number;

const bsd = (p: Proc) => p.shell.guest.flavour === 'freebsd';
const write = (p: Proc, text: string | Buffer) => p.io.out.write(text);
const err = (p: Proc, text: string) => p.io.err.write(`${p.name}: ${text}\n`);

/** A builtin's error line: `bash: printf: x: invalid number`. */
const builtinErr = (p: Proc, text: string) => p.io.err.write(p.shell.message(p.name, text));

const fsOpts = (p: Proc) => ({ cwd: p.cwd, cred: p.cred });

/** Splits `-abc` style flags (up to `--`) from operands; unknown flags fail as GNU/BSD tools do. */
function options(
  p: Proc,
  args: string[],
  known: string,
  withValue = '',
): { flags: Set<string>; values: Record<string, string>; operands: string[] } | number {
  const flags = new Set<string>();
  const values: Record<string, string> = {};
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1 && !a.startsWith('--')) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j]!;
        if (withValue.includes(f)) {
          const v = a.slice(j + 1) || args[++i];
          if (v === undefined) {
            err(p, bsd(p) ? `option requires an argument -- ${f}` : `option requires an argument -- '${f}'`);
            return 1;
          }
          values[f] = v;
          break;
        }
        if (!known.includes(f)) {
          err(p, bsd(p) ? `illegal option -- ${f}` : `invalid option -- '${f}'`);
          if (!bsd(p)) p.io.err.write(`Try '${p.name} --help' for more information.\n`);
          return p.name === 'ls' || p.name === 'grep' ? 2 : 1;
        }
        flags.add(f);
      }
    } else if (a.startsWith('--') && a.length > 2) {
      const long = a.slice(2);
      const map: Record<string, string> = {
        parents: 'p',
        force: 'f',
        recursive: 'r',
        decode: 'd',
        quiet: 'q',
        append: 'a',
      };
      const f = map[long];
      if (!f || !known.includes(f)) {
        err(p, `unrecognized option '${a}'`);
        p.io.err.write(`Try '${p.name} --help' for more information.\n`);
        return 1;
      }
      flags.add(f);
    } else operands.push(a);
  }
  return { flags, values, operands };
}

const gq = (s: string) => `'${s}'`;
/** GNU's locale quotes (‘x’) in a UTF-8 locale, as mkdir, chmod and sleep use. */
const gqu = (s: string) => `\u2018${s}\u2019`;

function fsError(e: unknown): GuestFsError {
  if (e instanceof GuestFsError) return e;
  throw e;
}

async function readInputs(p: Proc, files: string[], onError: (file: string, e: GuestFsError) => void) {
  const out: Array<{ name: string; data: Buffer }> = [];
  for (const f of files.length ? files : ['-']) {
    if (f === '-') out.push({ name: '-', data: await p.io.stdin.readAll() });
    else {
      try {
        const st = p.shell.guest.fs.stat(f, fsOpts(p));
        if (st.type === 'dir') throw new GuestFsError('EISDIR', f);
        out.push({ name: f, data: p.shell.guest.fs.readFile(f, fsOpts(p)) });
      } catch (e) {
        onError(f, fsError(e));
      }
    }
  }
  return out;
}

function parseMode(spec: string, current: number, isDir: boolean): number | undefined {
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

/** Backslash escapes of `printf` formats and `%b`/`echo -e` arguments. */
function unescapeBackslashes(text: string, forB: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i]!;
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      e: '\x1b',
    };
    if (simple[n] !== undefined) out += simple[n];
    else if (n === 'c' && forB) return { text: out, stop: true };
    else if (n === '"' && !forB) out += '"';
    else if (n === "'" && !forB) out += "'";
    else if (/[0-7]/.test(n) || (forB && n === '0')) {
      const digits =
        forB && n === '0'
          ? /^[0-7]{0,3}/.exec(text.slice(i + 1))![0]
          : /^[0-7]{0,2}/.exec(text.slice(i + 1))![0];
      const oct = forB && n === '0' ? digits : n + digits;
      out += String.fromCharCode(Number.parseInt(oct || '0', 8));
      i += digits.length;
    } else if (n === 'x') {
      const hex = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i + 1))?.[0];
      if (hex) {
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += hex.length;
      } else out += '\\x';
    } else out += `\\${n}`;
  }
  return { text: out, stop: false };
}

function printf(p: Proc, args: string[]): number {
  if (!args.length) {
    builtinErr(p, 'usage: printf [-v var] format [arguments]');
    return 2;
  }
  const [format, ...rest] = args as [string, ...string[]];
  let status = 0;
  let out = '';
  let argi = 0;
  const next = () => rest[argi++];
  const num = (v: string | undefined): number => {
    if (v === undefined || v === '') return 0;
    const t = v.trim();
    if (/^[-+]?\d+$/.test(t)) return Number(t);
    if (/^[-+]?0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t, 16);
    if (/^['"]./.test(t)) return t.codePointAt(1)!;
    builtinErr(p, `${v}: invalid number`);
    status = 1;
    const lead = /^[-+]?\d+/.exec(t);
    return lead ? Number(lead[0]) : 0;
  };
  do {
    const consumedBefore = argi;
    let stop = false;
    for (let i = 0; i < format.length && !stop; i++) {
      const c = format[i]!;
      if (c === '\\') {
        const m = /^\\(?:[0-7]{1,3}|x[0-9A-Fa-f]{1,2}|.)/.exec(format.slice(i))!;
        out += unescapeBackslashes(m[0], false).text;
        i += m[0].length - 1;
        continue;
      }
      if (c !== '%') {
        out += c;
        continue;
      }
      const m = /^%([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?([sdiuxXocbf%])/.exec(format.slice(i));
      if (!m) {
        builtinErr(p, `\`${format.slice(i + 1, i + 2)}': invalid format character`);
        return 1;
      }
      i += m[0].length - 1;
      const flags = m[1]!;
      const width = m[2] === '*' ? num(next()) : m[2] ? Number(m[2]) : 0;
      const precision = m[3] === '*' ? num(next()) : m[3] !== undefined ? Number(m[3]) : undefined;
      let text: string;
      switch (m[4]) {
        case '%':
          out += '%';
          continue;
        case 's':
          text = next() ?? '';
          if (precision !== undefined) text = text.slice(0, precision);
          break;
        case 'b': {
          const r = unescapeBackslashes(next() ?? '', true);
          text = r.text;
          if (r.stop) stop = true;
          break;
        }
        case 'c':
          text = (next() ?? '').slice(0, 1);
          break;
        case 'd':
        case 'i':
        case 'u': {
          const n = num(next());
          text = String(Math.abs(Math.trunc(n)));
          if (precision !== undefined) text = text.padStart(precision, '0');
          text = (n < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + text;
          break;
        }
        case 'x':
        case 'X':
        case 'o': {
          const n = num(next());
          text = (n >>> 0).toString(m[4] === 'o' ? 8 : 16);
          if (m[4] === 'X') text = text.toUpperCase();
          break;
        }
        default: {
          const n = Number(next() ?? 0);
          text = n.toFixed(precision ?? 6);
        }
      }
      if (text.length < width) {
        text = flags.includes('-')
          ? text.padEnd(width)
          : flags.includes('0') && /[dixXou]/.test(m[4]!)
            ? text.replace(/^([-+ ]?)/, (s) => s).padStart(width, '0')
            : text.padStart(width);
      }
      out += text;
    }
    if (stop || argi === consumedBefore) break;
  } while (argi < rest.length);
  write(p, out);
  return status;
}

function echo(p: Proc, args: string[]): number {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!/^-[neE]+$/.test(a)) break;
    for (const f of a.slice(1)) {
      if (f === 'n') newline = false;
      else if (f === 'e') escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(' ');
  if (escapes) {
    const r = unescapeBackslashes(text, true);
    text = r.text;
    if (r.stop) newline = false;
  }
  write(p, newline ? `${text}\n` : text);
  return 0;
}

/** `test` / `[`: POSIX's rules by argument count, plus `-a`/`-o`/`!`/parentheses. */
function test(p: Proc, argsIn: string[]): number {
  let args = argsIn;
  if (p.name === '[') {
    if (args[args.length - 1] !== ']') {
      builtinErr(p, "missing `]'");
      return 2;
    }
    args = args.slice(0, -1);
  }
  const fs = p.shell.guest.fs;
  const fileTest = (op: string, path: string): boolean => {
    try {
      const st = fs.stat(path, { ...fsOpts(p), followLast: op !== '-L' && op !== '-h' });
      const cred = p.cred;
      const bit = (b: number) =>
        cred.uid === 0
          ? b !== 1 || (st.mode & 0o111) !== 0 || st.type === 'dir'
          : ((st.mode >> (st.uid === cred.uid ? 6 : st.gid === cred.gid ? 3 : 0)) & b) !== 0;
      switch (op) {
        case '-e':
          return true;
        case '-f':
          return st.type === 'file';
        case '-d':
          return st.type === 'dir';
        case '-s':
          return st.size > 0 && st.type === 'file';
        case '-L':
        case '-h':
          return st.type === 'symlink';
        case '-r':
          return bit(4);
        case '-w':
          return bit(2);
        case '-x':
          return bit(1);
        default:
          return false;
      }
    } catch {
      return false;
    }
  };
  const UNARY = new Set(['-e', '-f', '-d', '-s', '-L', '-h', '-r', '-w', '-x', '-z', '-n']);
  const BINARY = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '<', '>']);
  class TestError extends Error {}
  const int = (v: string): number => {
    if (!/^\s*[-+]?\d+\s*$/.test(v)) throw new TestError(`${v}: integer expression expected`);
    return Number(v);
  };
  const binary = (a: string, op: string, b: string): boolean => {
    switch (op) {
      case '=':
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '>':
        return a > b;
      case '-eq':
        return int(a) === int(b);
      case '-ne':
        return int(a) !== int(b);
      case '-lt':
        return int(a) < int(b);
      case '-le':
        return int(a) <= int(b);
      case '-gt':
        return int(a) > int(b);
      default:
        return int(a) >= int(b);
    }
  };
  const unary = (op: string, v: string) =>
    op === '-z' ? v === '' : op === '-n' ? v !== '' : fileTest(op, v);
  const evalArgs = (a: string[]): boolean => {
    switch (a.length) {
      case 0:
        return false;
      case 1:
        return a[0] !== '';
      case 2:
        if (a[0] === '!') return !evalArgs(a.slice(1));
        if (UNARY.has(a[0]!)) return unary(a[0]!, a[1]!);
        throw new TestError(`${a[0]}: unary operator expected`);
      case 3:
        if (BINARY.has(a[1]!)) return binary(a[0]!, a[1]!, a[2]!);
        if (a[1] === '-a') return evalArgs([a[0]!]) && evalArgs([a[2]!]);
        if (a[1] === '-o') return evalArgs([a[0]!]) || evalArgs([a[2]!]);
        if (a[0] === '!') return !evalArgs(a.slice(1));
        if (a[0] === '(' && a[2] === ')') return evalArgs([a[1]!]);
        throw new TestError(`${a[1]}: binary operator expected`);
      default: {
        const o = a.lastIndexOf('-o');
        if (o > 0) return evalArgs(a.slice(0, o)) || evalArgs(a.slice(o + 1));
        const an = a.lastIndexOf('-a');
        if (an > 0) return evalArgs(a.slice(0, an)) && evalArgs(a.slice(an + 1));
        if (a[0] === '!') return !evalArgs(a.slice(1));
        if (a[0] === '(' && a[a.length - 1] === ')') return evalArgs(a.slice(1, -1));
        throw new TestError('too many arguments');
      }
    }
  };
  try {
    return evalArgs(args) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof TestError)) throw e;
    builtinErr(p, e.message);
    return 2;
  }
}

async function cat(p: Proc, args: string[]): Promise<number> {
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

function mkdir(p: Proc, args: string[]): number {
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

function rm(p: Proc, args: string[]): number {
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

function rmdir(p: Proc, args: string[]): number {
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

function mv(p: Proc, args: string[]): number {
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

function cp(p: Proc, args: string[]): number {
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

function chmod(p: Proc, args: string[]): number {
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

function chown(p: Proc, args: string[]): number {
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

function touch(p: Proc, args: string[]): number {
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

function ls(p: Proc, args: string[]): number {
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

async function sha256sum(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'bt');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) write(p, `${createHash('sha256').update(i.data).digest('hex')}  ${i.name}\n`);
  return status;
}

/** FreeBSD's `sha256 [-q] [file]`. */
async function sha256(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'qr');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    const hex = createHash('sha256').update(i.data).digest('hex');
    write(p, o.flags.has('q') || i.name === '-' ? `${hex}\n` : `SHA256 (${i.name}) = ${hex}\n`);
  }
  return status;
}

async function base64(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'diw', 'w');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands.slice(0, 1), (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  if (status) return status;
  const data = inputs[0]?.data ?? Buffer.alloc(0);
  if (o.flags.has('d')) {
    const text = data.toString('latin1').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
      // GNU decodes what it can before the bad input; the result is unreliable either way.
      err(p, 'invalid input');
      return 1;
    }
    write(p, Buffer.from(text, 'base64'));
    return 0;
  }
  const wrap = o.values.w !== undefined ? Number(o.values.w) : 76;
  const encoded = data.toString('base64');
  const lines = wrap > 0 ? (encoded.match(new RegExp(`.{1,${wrap}}`, 'g')) ?? []) : [encoded];
  write(p, lines.length ? `${lines.join('\n')}\n` : '');
  return 0;
}

async function tee(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'ai');
  if (typeof o === 'number') return o;
  const data = await p.io.stdin.readAll();
  let status = 0;
  for (const f of o.operands) {
    try {
      p.shell.guest.fs.writeFile(f, data, { ...fsOpts(p), append: o.flags.has('a') });
    } catch (e) {
      err(p, `${f}: ${fsError(e).strerror}`);
      status = 1;
    }
  }
  write(p, data);
  return status;
}

async function head(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'q', 'nc');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, bsd(p) ? `${f}: ${e.strerror}` : `cannot open ${gq(f)} for reading: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    if (o.values.c !== undefined) write(p, i.data.subarray(0, Number(o.values.c)));
    else {
      const n = Number(o.values.n ?? 10);
      const lines = i.data.toString('utf8').split(/(?<=\n)/);
      write(p, lines.slice(0, n).join(''));
    }
  }
  return status;
}

function id(p: Proc, args: string[]): number {
  const o = options(p, args, 'ugn');
  if (typeof o === 'number') return o;
  const a = p.shell.account;
  const name = o.operands[0];
  const who = name ? p.shell.guest.account(name) : a;
  if (!who) {
    err(p, bsd(p) ? `${name}: no such user` : `${gq(name!)}: no such user`);
    return 1;
  }
  if (o.flags.has('u')) write(p, `${o.flags.has('n') ? who.name : who.uid}\n`);
  else if (o.flags.has('g')) write(p, `${o.flags.has('n') ? who.name : who.gid}\n`);
  else {
    const groups =
      who.uid === 0
        ? `${who.gid}(${bsd(p) ? 'wheel' : 'root'})`
        : `${who.gid}(${who.name})${who.sudo ? ',27(sudo)' : ''}`;
    write(
      p,
      `uid=${who.uid}(${who.name}) gid=${who.gid}(${who.uid === 0 ? (bsd(p) ? 'wheel' : 'root') : who.name}) groups=${groups}\n`,
    );
  }
  return 0;
}

function uname(p: Proc, args: string[]): number {
  const o = options(p, args, 'asnrmo');
  if (typeof o === 'number') return o;
  const f = bsd(p)
    ? { s: 'FreeBSD', n: p.shell.guest.hostname, r: '14.0-CURRENT', m: 'amd64', o: 'FreeBSD' }
    : { s: 'Linux', n: p.shell.guest.hostname, r: '6.1.0-25-amd64', m: 'x86_64', o: 'GNU/Linux' };
  if (o.flags.has('a')) write(p, `${f.s} ${f.n} ${f.r} ${f.m} ${f.o}\n`);
  else {
    const parts = (['s', 'n', 'r', 'm', 'o'] as const).filter((k) => o.flags.has(k)).map((k) => f[k]);
    write(p, `${parts.length ? parts.join(' ') : f.s}\n`);
  }
  return 0;
}

async function sudo(p: Proc, args: string[]): Promise<number> {
  let i = 0;
  let nonInteractive = false;
  let user = 'root';
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-n') nonInteractive = true;
    else if (a === '-u') user = args[++i] ?? 'root';
    else if (a === '-E' || a === '-H' || a === '-S') continue;
    else if (a.startsWith('-')) {
      err(p, `invalid option -- '${a.slice(1)}'`);
      return 1;
    } else break;
  }
  const argv = args.slice(i);
  if (!argv.length) {
    p.io.err.write('usage: sudo -h | -K | -k | -V\n');
    return 1;
  }
  const me = p.shell.account;
  if (me.uid !== 0 && !me.sudo) {
    if (nonInteractive) p.io.err.write('sudo: a password is required\n');
    else
      p.io.err.write(
        'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n',
      );
    return 1;
  }
  const target = p.shell.guest.account(user);
  if (!target) {
    p.io.err.write(`sudo: unknown user ${user}\nsudo: error initializing audit plugin sudoers_audit\n`);
    return 1;
  }
  const shell = new Shell(
    p.shell.guest,
    target,
    { ...p.env, HOME: target.home, USER: target.name, LOGNAME: target.name },
    p.cwd,
  );
  shell.vars.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  // sudo runs programs (no shell builtins) and reports a missing one itself.
  return shell.exec(
    argv,
    p.io,
    {},
    { builtins: false, notFound: (name) => [`sudo: ${name}: command not found\n`, 1] },
  );
}

async function sh(p: Proc, args: string[]): Promise<number> {
  const shell = new Shell(p.shell.guest, p.shell.account, p.env, p.cwd);
  let i = 0;
  let script: string | undefined;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c') {
      script = args[i + 1];
      if (script === undefined) {
        p.io.err.write(`${p.name}: -c: option requires an argument\n`);
        return 2;
      }
      break;
    }
    if (/^[-+][eux]+$/.test(a)) {
      if (a.includes('e')) shell.errexit = a[0] === '-';
      if (a.includes('u')) shell.nounset = a[0] === '-';
      continue;
    }
    if (a.startsWith('-')) {
      p.io.err.write(`${p.name}: ${a}: invalid option\n`);
      return 2;
    }
    try {
      script = p.shell.guest.fs.readText(a, fsOpts(p));
    } catch (e) {
      p.io.err.write(`${p.name}: ${a}: ${fsError(e).strerror}\n`);
      return 127;
    }
    break;
  }
  script ??= (await p.io.stdin.readAll()).toString('utf8');
  return shell.run(script, p.io);
}

function ln(p: Proc, args: string[]): number {
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

function readlink(p: Proc, args: string[]): number {
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

async function grep(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'qFxvcEinsl', 'e');
  if (typeof o === 'number') return o;
  const pattern = o.values.e ?? o.operands.shift();
  if (pattern === undefined) {
    p.io.err.write('Usage: grep [OPTION]... PATTERNS [FILE]...\n');
    return 2;
  }
  let source = o.flags.has('F')
    ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    : o.flags.has('E')
      ? pattern
      : breToJs(pattern);
  if (o.flags.has('x')) source = `^(?:${source})$`;
  let re: RegExp;
  try {
    re = new RegExp(source, o.flags.has('i') ? 'i' : '');
  } catch {
    err(p, 'Unmatched ( or \\(');
    return 2;
  }
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    if (!o.flags.has('s')) err(p, `${f}: ${e.strerror}`);
    status = 2;
  });
  let matched = false;
  for (const i of inputs) {
    const lines = i.data.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const hits = lines.filter((l) => re.test(l) !== o.flags.has('v'));
    if (hits.length) matched = true;
    if (o.flags.has('q')) continue;
    const prefix = inputs.length > 1 ? `${i.name}:` : '';
    if (o.flags.has('c')) write(p, `${prefix}${hits.length}\n`);
    else if (o.flags.has('l')) {
      if (hits.length) write(p, `${i.name === '-' ? '(standard input)' : i.name}\n`);
    } else for (const h of hits) write(p, `${prefix}${h}\n`);
  }
  if (o.flags.has('q') && matched) return 0;
  return status === 2 ? 2 : matched ? 0 : 1;
}

/** Basic regular expressions as JS ones: `\(`, `\)`, `\{`, `\}`, `\|` are the operators; bare ones are literal. */
function breToJs(bre: string): string {
  let out = '';
  for (let i = 0; i < bre.length; i++) {
    const c = bre[i]!;
    if (c === '\\' && i + 1 < bre.length) {
      const n = bre[++i]!;
      out += '(){}|+?'.includes(n) ? n : `\\${n}`;
    } else if ('(){}|+?'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

async function wc(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'lcw');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `${f}: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    const text = i.data.toString('utf8');
    const counts = {
      l: (text.match(/\n/g) ?? []).length,
      w: text.split(/\s+/).filter(Boolean).length,
      c: i.data.length,
    };
    const which = (['l', 'w', 'c'] as const).filter((k) => o.flags.has(k));
    const shown = (which.length ? which : (['l', 'w', 'c'] as const)).map((k) => counts[k]);
    write(p, `${shown.join(' ')}${i.name === '-' ? '' : ` ${i.name}`}\n`);
  }
  return status;
}

function sleep(p: Proc, args: string[]): number {
  if (!args.length || args.some((a) => !/^\d+(\.\d+)?[smhd]?$/.test(a))) {
    const bad = args.find((a) => !/^\d+(\.\d+)?[smhd]?$/.test(a));
    err(p, bad === undefined ? 'missing operand' : `invalid time interval ${gqu(bad)}`);
    if (!bsd(p)) p.io.err.write(`Try '${p.name} --help' for more information.\n`);
    return 1;
  }
  // The emulator does not make anyone wait.
  return 0;
}

let tempCounter = 0;

function mktemp(p: Proc, args: string[]): number {
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

function dirname(p: Proc, args: string[]): number {
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

function basename(p: Proc, args: string[]): number {
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

function realpath(p: Proc, args: string[]): number {
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

function seq(p: Proc, args: string[]): number {
  const nums = args.map(Number);
  if (!nums.length || nums.some((n) => !Number.isFinite(n))) {
    err(
      p,
      nums.length
        ? `invalid floating point argument: ${gqu(args[nums.findIndex((n) => !Number.isFinite(n))]!)}`
        : 'missing operand',
    );
    return 1;
  }
  const [first, step, last] =
    nums.length === 1
      ? [1, 1, nums[0]!]
      : nums.length === 2
        ? [nums[0]!, 1, nums[1]!]
        : [nums[0]!, nums[1]!, nums[2]!];
  const out: string[] = [];
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) {
    out.push(String(n));
    if (out.length > 100_000) break;
  }
  if (out.length) write(p, `${out.join('\n')}\n`);
  return 0;
}

async function env(p: Proc, args: string[]): Promise<number> {
  const assigned: Record<string, string> = {};
  let i = 0;
  for (; i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!); i++) {
    const a = args[i]!;
    assigned[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  }
  if (i >= args.length) {
    for (const [k, v] of Object.entries({ ...p.env, ...assigned })) write(p, `${k}=${v}\n`);
    return 0;
  }
  return p.shell.exec(args.slice(i), p.io, assigned, {
    builtins: false,
    notFound: (n) => [`env: ${gq(n)}: No such file or directory\n`, 127],
  });
}

async function tail(p: Proc, args: string[]): Promise<number> {
  const o = options(p, args, 'qf', 'nc');
  if (typeof o === 'number') return o;
  let status = 0;
  const inputs = await readInputs(p, o.operands, (f, e) => {
    err(p, `cannot open ${gq(f)} for reading: ${e.strerror}`);
    status = 1;
  });
  for (const i of inputs) {
    if (o.values.c !== undefined) write(p, i.data.subarray(Math.max(0, i.data.length - Number(o.values.c))));
    else {
      const n = Number((o.values.n ?? '10').replace(/^\+/, ''));
      const lines = i.data.toString('utf8').split(/(?<=\n)/);
      write(p, lines.slice(Math.max(0, lines.length - n)).join(''));
    }
  }
  return status;
}

function which(p: Proc, args: string[]): number {
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

const TOOLS: Record<string, Tool> = {
  echo,
  printf,
  test,
  '[': test,
  true: () => 0,
  false: () => 1,
  pwd: (p) => {
    write(p, `${p.cwd}\n`);
    return 0;
  },
  cat,
  mkdir,
  rm,
  rmdir,
  mv,
  cp,
  chmod,
  chown,
  touch,
  ls,
  sha256sum,
  sha256,
  base64,
  tee,
  head,
  id,
  whoami: (p) => {
    write(p, `${p.shell.account.name}\n`);
    return 0;
  },
  hostname: (p) => {
    write(p, `${p.shell.guest.hostname}\n`);
    return 0;
  },
  uname,
  sudo,
  sync: () => 0,
  sleep,
  sh,
  bash: sh,
  dash: sh,
  ln,
  readlink,
  grep,
  wc,
  mktemp,
  dirname,
  basename,
  realpath,
  seq,
  env,
  tail,
  which,
};

/** Runs a tool by name; a stub whose tool the emulator lacks says so rather than pretending. */
export async function runProgram(p: Proc, name: string, args: string[]): Promise<number> {
  const tool = TOOLS[name];
  if (!tool) {
    p.io.err.write(`${name}: not implemented by the pvecdk guest emulator\n`);
    return 126;
  }
  return tool({ ...p, name }, args);
}
