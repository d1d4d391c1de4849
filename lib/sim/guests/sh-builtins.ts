import type { Proc } from './sh-process.ts';
import { builtinErr, fsOpts, write } from './sh-tool-kit.ts';

/** bash's printing and testing builtins (`printf`, `echo`, `test`/`[`), run inside the shell itself. */

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

export function printf(p: Proc, args: string[]): number {
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

export function echo(p: Proc, args: string[]): number {
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
export function test(p: Proc, argsIn: string[]): number {
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
