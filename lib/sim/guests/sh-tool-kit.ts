import { GuestFsError } from './guest-fs.ts';
import type { Proc } from './sh-process.ts';

/**
 * What every emulated shell tool shares: its output and error streams, the
 * GNU/BSD option parser with their messages, quoting and file input.
 */

export type Tool = (p: Proc, args: string[]) => Promise<number> | number;

export const bsd = (p: Proc) => p.shell.guest.flavour === 'freebsd';

export const write = (p: Proc, text: string | Buffer) => p.io.out.write(text);

export const err = (p: Proc, text: string) => p.io.err.write(`${p.name}: ${text}\n`);

/** A builtin's error line: `bash: printf: x: invalid number`. */
export const builtinErr = (p: Proc, text: string) => p.io.err.write(p.shell.message(p.name, text));

export const fsOpts = (p: Proc) => ({ cwd: p.cwd, cred: p.cred });

/** Splits `-abc` style flags (up to `--`) from operands; unknown flags fail as GNU/BSD tools do. */
export function options(
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

export const gq = (s: string) => `'${s}'`;

/** GNU's locale quotes (‘x’) in a UTF-8 locale, as mkdir, chmod and sleep use. */
export const gqu = (s: string) => `\u2018${s}\u2019`;

export function fsError(e: unknown): GuestFsError {
  if (e instanceof GuestFsError) return e;
  throw e;
}

export async function readInputs(p: Proc, files: string[], onError: (file: string, e: GuestFsError) => void) {
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
