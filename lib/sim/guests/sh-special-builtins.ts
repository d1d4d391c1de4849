import { GuestFsError } from './guest-fs.ts';
import type { Shell } from './sh-dialect.ts';
import { IFS } from './sh-expansion.ts';
import { DEFAULT_PATH, ShExit, type ShIo, type ShStdin } from './sh-process.ts';
import { SHELL_BUILTINS } from './sh-programs.ts';

/** The builtins the shell runs itself (`set`, `export`, `cd`, `read`, …), and the bash builtins it refuses by name. */

/** Builtins the shell itself handles (see specialBuiltin). */
const SPECIAL_BUILTINS = new Set([
  ':',
  'exit',
  'set',
  'export',
  'readonly',
  'unset',
  'cd',
  'exec',
  'command',
  'type',
  'eval',
  '.',
  'source',
  'read',
  'shift',
  'break',
  'continue',
  'trap',
  'umask',
  'wait',
]);

/** bash builtins the emulated shell does not have: refused by name, never "command not found". */
const UNSUPPORTED_BUILTINS = new Set([
  'local',
  'return',
  'declare',
  'typeset',
  'let',
  'alias',
  'unalias',
  'getopts',
  'jobs',
  'fg',
  'bg',
  'kill',
  'shopt',
  'hash',
  'ulimit',
  'times',
  'history',
  'pushd',
  'popd',
  'dirs',
  'mapfile',
  'readarray',
  'caller',
  'compgen',
  'complete',
  'enable',
  'help',
  'logout',
  'suspend',
  'disown',
  'builtin',
]);

/** What `read` has consumed of a standard input, per input. */
const readBuffers = new WeakMap<ShStdin, { data: string; pos: number }>();

/** Builtins that change the shell itself; undefined when `name` is not one. */
export async function specialBuiltin(
  shell: Shell,
  name: string,
  args: string[],
  io: ShIo,
): Promise<number | undefined> {
  switch (name) {
    case ':':
      return 0;
    case 'exit': {
      const code = args[0] === undefined ? shell.status : Number(args[0]);
      if (!Number.isInteger(code)) {
        io.err.write(shell.message('exit', `${args[0]}: numeric argument required`));
        throw new ShExit(2);
      }
      throw new ShExit(((code % 256) + 256) % 256);
    }
    case 'set': {
      const named: Record<string, 'errexit' | 'nounset' | 'pipefail' | 'xtrace'> = {
        e: 'errexit',
        u: 'nounset',
        x: 'xtrace',
      };
      const setOption = (option: string, on: boolean): boolean => {
        if (option === 'errexit') shell.errexit = on;
        else if (option === 'nounset') shell.nounset = on;
        else if (option === 'pipefail') shell.pipefail = on;
        else if (option === 'xtrace') shell.xtrace = on;
        else if (option !== 'noglob' && option !== 'noclobber') return false;
        return true;
      };
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === '--') break;
        const m = /^([-+])([a-z]+)$/.exec(a);
        if (!m) {
          io.err.write(shell.message('set', `${a}: invalid option`));
          return 2;
        }
        for (const flag of m[2]!) {
          if (flag === 'o') {
            const option = args[++i];
            if (option === undefined || !setOption(option, m[1] === '-')) {
              io.err.write(shell.message('set', `${option ?? ''}: invalid option name`));
              return 2;
            }
          } else if (named[flag]) setOption(named[flag]!, m[1] === '-');
          else if (flag === 'f' || flag === 'C') continue;
          else {
            io.err.write(shell.message('set', `${m[1]}${flag}: invalid option`));
            return 2;
          }
        }
      }
      return 0;
    }
    case 'export':
    case 'readonly': {
      for (const a of args) {
        const eq = a.indexOf('=');
        const key = eq < 0 ? a : a.slice(0, eq);
        if (eq >= 0) shell.vars.set(key, a.slice(eq + 1));
        shell.exported.add(key);
      }
      return 0;
    }
    case 'unset':
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        shell.vars.delete(a);
        shell.exported.delete(a);
      }
      return 0;
    case 'cd': {
      const target = args[0] ?? shell.vars.get('HOME') ?? '/';
      try {
        const resolved = shell.guest.fs.resolve(target, { cwd: shell.cwd, cred: shell.cred });
        const st = shell.guest.fs.stat(resolved, { cred: shell.cred });
        if (st.type !== 'dir') throw new GuestFsError('ENOTDIR', target);
        shell.cwd = resolved;
        shell.vars.set('PWD', resolved);
        return 0;
      } catch (e) {
        if (!(e instanceof GuestFsError)) throw e;
        io.err.write(shell.message('cd', `${target}: ${e.strerror}`));
        return 1;
      }
    }
    case 'exec': {
      if (!args.length) return 0;
      throw new ShExit(await shell.exec(args, io));
    }
    case 'command': {
      if (args[0] === '-v' || args[0] === '-V') {
        // bash: success when any of the names is found.
        let any = false;
        for (const n of args.slice(1)) {
          if (SHELL_BUILTINS.has(n) || SPECIAL_BUILTINS.has(n)) {
            io.out.write(`${n}\n`);
            any = true;
          } else {
            const found = shell.lookup(n, shell.vars.get('PATH') ?? DEFAULT_PATH);
            if (found.kind === 'found') {
              io.out.write(`${found.path}\n`);
              any = true;
            }
          }
        }
        return any ? 0 : 1;
      }
      return args.length ? shell.exec(args, io) : 0;
    }
    case 'type': {
      let status = 0;
      for (const n of args) {
        if (SHELL_BUILTINS.has(n) || SPECIAL_BUILTINS.has(n)) io.out.write(`${n} is a shell builtin\n`);
        else {
          const found = shell.lookup(n, shell.vars.get('PATH') ?? DEFAULT_PATH);
          if (found.kind === 'found') io.out.write(`${n} is ${found.path}\n`);
          else {
            io.err.write(shell.message('type', `${n}: not found`));
            status = 1;
          }
        }
      }
      return status;
    }
    case 'eval':
      return shell.run(args.join(' '), io);
    case '.':
    case 'source': {
      const file = args[0];
      if (file === undefined) {
        io.err.write(shell.message(name, 'filename argument required'));
        return 2;
      }
      try {
        return await shell.run(shell.guest.fs.readText(file, { cwd: shell.cwd, cred: shell.cred }), io);
      } catch (e) {
        if (!(e instanceof GuestFsError)) throw e;
        io.err.write(shell.message(file, e.strerror));
        return 1;
      }
    }
    case 'read': {
      const names = args.filter((a) => !a.startsWith('-'));
      const buffered = readBuffers.get(io.stdin) ?? {
        data: (await io.stdin.readAll()).toString('utf8'),
        pos: 0,
      };
      readBuffers.set(io.stdin, buffered);
      if (buffered.pos >= buffered.data.length) return 1;
      const nl = buffered.data.indexOf('\n', buffered.pos);
      const line = buffered.data.slice(buffered.pos, nl < 0 ? undefined : nl);
      buffered.pos = nl < 0 ? buffered.data.length : nl + 1;
      const fields = line.trim().split(IFS);
      const targets = names.length ? names : ['REPLY'];
      targets.forEach((n, i) => {
        shell.vars.set(n, i === targets.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? ''));
      });
      return nl < 0 ? 1 : 0;
    }
    case 'shift':
    case 'break':
    case 'continue':
    case 'trap':
    case 'umask':
    case 'wait':
      return 0;
    default:
      if (UNSUPPORTED_BUILTINS.has(name)) {
        io.err.write(shell.message(name, 'not supported by the pvecdk guest emulator'));
        return 2;
      }
      return undefined;
  }
}
