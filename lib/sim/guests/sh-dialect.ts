import { type GuestCredential, type GuestFs, GuestFsError } from './guest-fs.ts';
import type { GuestAccount, SimGuest } from './guest-state.ts';
import {
  type AndOr,
  type Pipeline,
  parseSh,
  type Redirect,
  type ShCommand,
  type ShList,
  ShSyntaxError,
  type SimpleCommand,
  type Word,
} from './sh-parser.ts';
import { runProgram, SHELL_BUILTINS } from './sh-programs.ts';

/**
 * The POSIX shell of the Linux and pfSense guests: runs what `parseSh`
 * reads, against the guest's file tree, as the logged-in account. Error texts
 * and exit codes follow bash 5.2 (`bash: X: command not found`, 127) on
 * Linux, where the login shell is bash, and FreeBSD's sh (`sh: X: not
 * found`) on pfSense.
 */

export type ShFlavour = 'bash' | 'freebsd';

export interface ShStdin {
  /** All of standard input, once the client has sent EOF. */
  readAll(): Promise<Buffer>;
}

export interface Sink {
  write(chunk: Buffer | string): void;
}

export const EMPTY_STDIN: ShStdin = { readAll: async () => Buffer.alloc(0) };

export interface ShIo {
  readonly stdin: ShStdin;
  readonly out: Sink;
  readonly err: Sink;
}

/** A program at an absolute path the guest provides beyond the common tools (pfSense's scripts). */
export type GuestProgram = (proc: Proc, args: string[]) => Promise<number>;

/** What a guest gives the shell. */
export interface ShGuest {
  readonly fs: GuestFs;
  readonly guest: SimGuest;
  readonly flavour: ShFlavour;
  readonly hostname: string;
  /** Programs by absolute path, run when the file there is the emulator's stub. */
  readonly programs?: Readonly<Record<string, GuestProgram>>;
  /** Accounts by name, for `sudo` and `id`. */
  account(name: string): GuestAccount | undefined;
}

/** One running program: its arguments come separately; what it may use is here. */
export interface Proc {
  readonly shell: Shell;
  readonly io: ShIo;
  readonly name: string;
  readonly cwd: string;
  readonly cred: GuestCredential;
  readonly env: Record<string, string>;
}

export class ShExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

class BreakLoop extends Error {}

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

const IFS = /[ \t\n]+/;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class Shell {
  readonly vars = new Map<string, string>();
  readonly exported = new Set<string>();
  cwd: string;
  status = 0;
  errexit = false;
  nounset = false;
  pipefail = false;
  xtrace = false;
  /** The script line of the command running, for bash's `line N:` in messages. */
  line = 1;
  private conditionDepth = 0;

  constructor(
    readonly guest: ShGuest,
    readonly account: GuestAccount,
    env: Record<string, string> = {},
    cwd?: string,
  ) {
    this.cwd = cwd ?? account.home;
    if (!guest.fs.exists(this.cwd)) this.cwd = '/';
    const base: Record<string, string> = {
      HOME: account.home,
      USER: account.name,
      LOGNAME: account.name,
      SHELL: account.shell,
      PATH: DEFAULT_PATH,
      PWD: this.cwd,
      ...env,
    };
    for (const [k, v] of Object.entries(base)) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
  }

  get cred(): GuestCredential {
    return { uid: this.account.uid, gid: this.account.gid };
  }

  /** `bash` or `sh`: how error lines start. */
  get argv0(): string {
    return this.guest.flavour === 'bash' ? 'bash' : 'sh';
  }

  /** Runs a script (`sh -c`); returns the exit status. Syntax errors exit 2 as the shells do. */
  async run(script: string, io: ShIo): Promise<number> {
    let list: ShList;
    try {
      list = parseSh(script);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      io.err.write(this.syntaxMessage(e, script));
      return 2;
    }
    try {
      return await this.list(list, io);
    } catch (e) {
      if (e instanceof ShExit) return e.code;
      throw e;
    }
  }

  private syntaxMessage(e: ShSyntaxError, script: string): string {
    if (this.guest.flavour === 'freebsd') {
      const text = e.message.startsWith('unexpected EOF')
        ? 'Syntax error: Unterminated quoted string'
        : `Syntax error: ${e.message.replace(/^syntax error:? ?/, '')}`;
      return `sh: ${text}\n`;
    }
    const lines = [`bash: -c: line ${e.line}: ${e.message}`];
    if (e.token !== undefined && e.message.startsWith('syntax error near'))
      lines.push(`bash: -c: line ${e.line}: \`${script.split('\n')[e.line - 1] ?? ''}'`);
    return `${lines.join('\n')}\n`;
  }

  /** One error line the way the shell prints it: `bash: line N: what: text` or `sh: what: text`. */
  message(what: string, text: string): string {
    return this.guest.flavour === 'bash'
      ? `bash: line ${this.line}: ${what}: ${text}\n`
      : `sh: ${what}: ${text}\n`;
  }

  // ---- lists and compound commands -------------------------------------------

  async list(list: ShList, io: ShIo): Promise<number> {
    let status = 0;
    for (const item of list) status = await this.andOr(item, io);
    return status;
  }

  private async condition(list: ShList, io: ShIo): Promise<number> {
    this.conditionDepth++;
    try {
      return await this.list(list, io);
    } finally {
      this.conditionDepth--;
    }
  }

  private async andOr(item: AndOr, io: ShIo): Promise<number> {
    const chain = [{ op: '&&' as const, pipeline: item.first }, ...item.rest];
    let status = 0;
    for (let i = 0; i < chain.length; i++) {
      const { op, pipeline } = chain[i]!;
      if (i > 0 && ((op === '&&' && status !== 0) || (op === '||' && status === 0))) continue;
      const last = i === chain.length - 1;
      if (!last) this.conditionDepth++;
      try {
        status = await this.pipeline(pipeline, io);
      } finally {
        if (!last) this.conditionDepth--;
      }
      if (last && status !== 0 && this.errexit && this.conditionDepth === 0 && !pipeline.negate)
        throw new ShExit(status);
    }
    return status;
  }

  private async pipeline(p: Pipeline, io: ShIo): Promise<number> {
    let status = 0;
    if (p.commands.length === 1) status = await this.command(p.commands[0]!, io);
    else {
      // Stages run one after the other, each reading what the previous wrote (no stage here streams forever).
      let stdin = io.stdin;
      let failed = 0;
      for (const [i, cmd] of p.commands.entries()) {
        const last = i === p.commands.length - 1;
        const chunks: Buffer[] = [];
        const out: Sink = last ? io.out : { write: (c) => chunks.push(Buffer.from(c)) };
        // Every stage but the last runs in a subshell environment, as in bash.
        status = last
          ? await this.command(cmd, { stdin, out, err: io.err })
          : await this.subshell(cmd, { stdin, out, err: io.err });
        const data = Buffer.concat(chunks);
        stdin = { readAll: async () => data };
        if (status !== 0) failed = status;
      }
      // pipefail: the last stage that failed decides.
      if (this.pipefail && failed !== 0) status = failed;
    }
    if (p.negate) status = status === 0 ? 1 : 0;
    this.status = status;
    return status;
  }

  private async subshell(cmd: ShCommand, io: ShIo): Promise<number> {
    const sub = this.fork();
    try {
      return await sub.command(cmd, io);
    } catch (e) {
      if (e instanceof ShExit) return e.code;
      throw e;
    }
  }

  /** A copy of this shell's state (subshells, command substitution). */
  fork(): Shell {
    const sub = new Shell(this.guest, this.account, {}, this.cwd);
    sub.vars.clear();
    for (const [k, v] of this.vars) sub.vars.set(k, v);
    sub.exported.clear();
    for (const k of this.exported) sub.exported.add(k);
    sub.status = this.status;
    sub.errexit = this.errexit;
    sub.nounset = this.nounset;
    sub.pipefail = this.pipefail;
    sub.xtrace = this.xtrace;
    return sub;
  }

  private async command(cmd: ShCommand, io: ShIo): Promise<number> {
    if (cmd.type === 'simple') return this.simple(cmd, io);
    const redirected = await this.redirect(cmd.redirects, io);
    if (typeof redirected === 'number') return redirected;
    const rio = redirected.io;
    try {
      switch (cmd.type) {
        case 'group':
          return await this.list(cmd.body, rio);
        case 'subshell': {
          const sub = this.fork();
          try {
            return await sub.list(cmd.body, rio);
          } catch (e) {
            if (e instanceof ShExit) return e.code;
            throw e;
          }
        }
        case 'if': {
          for (const clause of cmd.clauses) {
            if ((await this.condition(clause.cond, rio)) === 0) return await this.list(clause.body, rio);
          }
          return cmd.otherwise ? await this.list(cmd.otherwise, rio) : 0;
        }
        case 'for': {
          const items = cmd.items ? await this.expandWords(cmd.items, rio) : [];
          let status = 0;
          for (const item of items) {
            this.vars.set(cmd.name, item);
            status = await this.list(cmd.body, rio);
          }
          return status;
        }
        case 'loop': {
          let status = 0;
          for (let guard = 0; guard < 100_000; guard++) {
            const c = await this.condition(cmd.cond, rio);
            if ((c === 0) === cmd.until) return status;
            status = await this.list(cmd.body, rio);
          }
          throw new BreakLoop('loop did not end after 100000 rounds');
        }
      }
    } finally {
      redirected.close();
    }
  }

  // ---- simple commands -------------------------------------------------------

  private async simple(cmd: SimpleCommand, io: ShIo): Promise<number> {
    this.line = cmd.line;
    let argv: string[];
    try {
      argv = await this.expandWords(cmd.words, io);
    } catch (e) {
      if (e instanceof ExpansionError) {
        io.err.write(e.message);
        if (e.fatal) throw new ShExit(e.status);
        return e.status;
      }
      throw e;
    }
    const assigned: Record<string, string> = {};
    for (const a of cmd.assigns) assigned[a.name] = (await this.expandWord(a.value, io, false)).join('');
    if (!argv.length) {
      for (const [k, v] of Object.entries(assigned)) {
        if (this.xtrace) io.err.write(`+ ${k}=${traceQuote(v)}\n`);
        this.vars.set(k, v);
      }
      const redirected = await this.redirect(cmd.redirects, io);
      if (typeof redirected === 'number') return redirected;
      redirected.close();
      return this.status;
    }
    if (this.xtrace) {
      for (const [k, v] of Object.entries(assigned)) io.err.write(`+ ${k}=${traceQuote(v)}\n`);
      io.err.write(`+ ${argv.map(traceQuote).join(' ')}\n`);
    }
    const redirected = await this.redirect(cmd.redirects, io);
    if (typeof redirected === 'number') return redirected;
    try {
      return await this.exec(argv, redirected.io, assigned);
    } finally {
      redirected.close();
    }
  }

  /** Runs argv: a shell builtin, else a program found on PATH (or by its path). */
  async exec(
    argv: string[],
    io: ShIo,
    assigned: Record<string, string> = {},
    options: { builtins?: boolean; notFound?: (name: string) => [message: string, status: number] } = {},
  ): Promise<number> {
    const builtins = options.builtins !== false;
    const [name, ...args] = argv as [string, ...string[]];
    if (builtins) {
      const special = await this.specialBuiltin(name, args, io);
      if (special !== undefined) return special;
    }
    const env: Record<string, string> = {};
    for (const k of this.exported) env[k] = this.vars.get(k) ?? '';
    Object.assign(env, assigned);
    const proc: Proc = { shell: this, io, name, cwd: this.cwd, cred: this.cred, env };
    if (builtins && SHELL_BUILTINS.has(name)) return runProgram(proc, name, args);
    const found = this.lookup(name, env.PATH ?? DEFAULT_PATH);
    if (found.kind === 'missing') {
      if (options.notFound) {
        const [message, status] = options.notFound(name);
        io.err.write(message);
        return status;
      }
      io.err.write(
        name.includes('/')
          ? this.message(name, found.reason)
          : this.guest.flavour === 'bash'
            ? this.message(name, 'command not found')
            : `sh: ${name}: not found\n`,
      );
      return 127;
    }
    if (found.kind === 'denied') {
      io.err.write(this.message(name, 'Permission denied'));
      return 126;
    }
    const content = this.guest.fs.readFile(found.path).toString('utf8');
    if (content.startsWith('#!/emulated')) {
      const program = this.guest.programs?.[found.path];
      const base = found.path.slice(found.path.lastIndexOf('/') + 1);
      return program ? program(proc, args) : runProgram(proc, base, args);
    }
    // A script someone put there: run it with the interpreter its #! line names.
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(content);
    const interp = shebang?.[1] === '/usr/bin/env' ? shebang[2] : shebang?.[1]?.split('/').pop();
    if (interp && ['sh', 'bash', 'dash'].includes(interp)) {
      const sub = new Shell(this.guest, this.account, env, this.cwd);
      return sub.run(content, io);
    }
    io.err.write(this.message(name, 'cannot execute binary file: Exec format error'));
    return 126;
  }

  private lookup(
    name: string,
    path: string,
  ): { kind: 'found'; path: string } | { kind: 'missing'; reason: string } | { kind: 'denied' } {
    const fs = this.guest.fs;
    const candidates = name.includes('/')
      ? [fs.normalise(name, this.cwd)]
      : path
          .split(':')
          .filter(Boolean)
          .map((dir) => `${dir}/${name}`);
    let denied = false;
    for (const candidate of candidates) {
      try {
        const st = fs.stat(candidate, { cred: this.cred });
        if (st.type !== 'file') {
          if (name.includes('/')) return { kind: 'missing', reason: 'Is a directory' };
          continue;
        }
        const bits =
          this.cred.uid === 0
            ? 0o111
            : st.uid === this.cred.uid
              ? 0o100
              : st.gid === this.cred.gid
                ? 0o010
                : 0o001;
        if (!(st.mode & bits)) {
          denied = true;
          continue;
        }
        return { kind: 'found', path: candidate };
      } catch (e) {
        if (!(e instanceof GuestFsError)) throw e;
        if (name.includes('/')) return { kind: 'missing', reason: e.strerror };
      }
    }
    return denied ? { kind: 'denied' } : { kind: 'missing', reason: 'No such file or directory' };
  }

  /** Builtins that change the shell itself; undefined when `name` is not one. */
  private async specialBuiltin(name: string, args: string[], io: ShIo): Promise<number | undefined> {
    switch (name) {
      case ':':
        return 0;
      case 'exit': {
        const code = args[0] === undefined ? this.status : Number(args[0]);
        if (!Number.isInteger(code)) {
          io.err.write(this.message('exit', `${args[0]}: numeric argument required`));
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
          if (option === 'errexit') this.errexit = on;
          else if (option === 'nounset') this.nounset = on;
          else if (option === 'pipefail') this.pipefail = on;
          else if (option === 'xtrace') this.xtrace = on;
          else if (option !== 'noglob' && option !== 'noclobber') return false;
          return true;
        };
        for (let i = 0; i < args.length; i++) {
          const a = args[i]!;
          if (a === '--') break;
          const m = /^([-+])([a-z]+)$/.exec(a);
          if (!m) {
            io.err.write(this.message('set', `${a}: invalid option`));
            return 2;
          }
          for (const flag of m[2]!) {
            if (flag === 'o') {
              const option = args[++i];
              if (option === undefined || !setOption(option, m[1] === '-')) {
                io.err.write(this.message('set', `${option ?? ''}: invalid option name`));
                return 2;
              }
            } else if (named[flag]) setOption(named[flag]!, m[1] === '-');
            else if (flag === 'f' || flag === 'C') continue;
            else {
              io.err.write(this.message('set', `${m[1]}${flag}: invalid option`));
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
          if (eq >= 0) this.vars.set(key, a.slice(eq + 1));
          this.exported.add(key);
        }
        return 0;
      }
      case 'unset':
        for (const a of args.filter((x) => !x.startsWith('-'))) {
          this.vars.delete(a);
          this.exported.delete(a);
        }
        return 0;
      case 'cd': {
        const target = args[0] ?? this.vars.get('HOME') ?? '/';
        try {
          const resolved = this.guest.fs.resolve(target, { cwd: this.cwd, cred: this.cred });
          const st = this.guest.fs.stat(resolved, { cred: this.cred });
          if (st.type !== 'dir') throw new GuestFsError('ENOTDIR', target);
          this.cwd = resolved;
          this.vars.set('PWD', resolved);
          return 0;
        } catch (e) {
          if (!(e instanceof GuestFsError)) throw e;
          io.err.write(this.message('cd', `${target}: ${e.strerror}`));
          return 1;
        }
      }
      case 'exec': {
        if (!args.length) return 0;
        throw new ShExit(await this.exec(args, io));
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
              const found = this.lookup(n, this.vars.get('PATH') ?? DEFAULT_PATH);
              if (found.kind === 'found') {
                io.out.write(`${found.path}\n`);
                any = true;
              }
            }
          }
          return any ? 0 : 1;
        }
        return args.length ? this.exec(args, io) : 0;
      }
      case 'type': {
        let status = 0;
        for (const n of args) {
          if (SHELL_BUILTINS.has(n) || SPECIAL_BUILTINS.has(n)) io.out.write(`${n} is a shell builtin\n`);
          else {
            const found = this.lookup(n, this.vars.get('PATH') ?? DEFAULT_PATH);
            if (found.kind === 'found') io.out.write(`${n} is ${found.path}\n`);
            else {
              io.err.write(this.message('type', `${n}: not found`));
              status = 1;
            }
          }
        }
        return status;
      }
      case 'eval':
        return this.run(args.join(' '), io);
      case '.':
      case 'source': {
        const file = args[0];
        if (file === undefined) {
          io.err.write(this.message(name, 'filename argument required'));
          return 2;
        }
        try {
          return await this.run(this.guest.fs.readText(file, { cwd: this.cwd, cred: this.cred }), io);
        } catch (e) {
          if (!(e instanceof GuestFsError)) throw e;
          io.err.write(this.message(file, e.strerror));
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
          this.vars.set(n, i === targets.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? ''));
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
          io.err.write(this.message(name, 'not supported by the pvecdk guest emulator'));
          return 2;
        }
        return undefined;
    }
  }

  // ---- redirections -----------------------------------------------------------

  /** Applies redirections; a number is the failure status (the command does not run). */
  private async redirect(redirects: Redirect[], io: ShIo): Promise<{ io: ShIo; close: () => void } | number> {
    let { stdin, out, err } = io;
    const files: Array<{ path: string; chunks: Buffer[] }> = [];
    const fs = this.guest.fs;
    for (const r of redirects) {
      if (r.heredoc) {
        const text =
          r.heredoc.expand && r.heredoc.word
            ? (await this.expandWord(r.heredoc.word, io, false)).join('')
            : r.heredoc.body;
        const data = Buffer.from(text);
        stdin = { readAll: async () => data };
        continue;
      }
      const target = (await this.expandWord(r.target ?? [], io, false)).join('');
      if (r.op === '>&' || r.op === '<&') {
        if (r.fd === 1 && target === '2') out = err;
        else if (r.fd === 2 && target === '1') err = out;
        else if (target !== String(r.fd)) {
          io.err.write(this.message(target, 'Bad file descriptor'));
          return 1;
        }
        continue;
      }
      if (r.fd > 2) {
        io.err.write(this.message(String(r.fd), 'Bad file descriptor'));
        return 1;
      }
      const isNull = target === '/dev/null';
      try {
        if (r.op === '<') {
          const data = isNull ? Buffer.alloc(0) : fs.readFile(target, { cwd: this.cwd, cred: this.cred });
          if (r.fd === 0) stdin = { readAll: async () => data };
          continue;
        }
        let sink: Sink;
        if (isNull) sink = { write: () => {} };
        else {
          fs.writeFile(target, '', { cwd: this.cwd, cred: this.cred, append: r.op === '>>' });
          const file = { path: fs.resolve(target, { cwd: this.cwd }), chunks: [] as Buffer[] };
          files.push(file);
          sink = { write: (c) => file.chunks.push(Buffer.from(c)) };
        }
        if (r.fd === 1) out = sink;
        else if (r.fd === 2) err = sink;
      } catch (e) {
        if (!(e instanceof GuestFsError)) throw e;
        io.err.write(
          this.guest.flavour === 'bash'
            ? this.message(target, e.strerror)
            : `sh: cannot ${r.op === '<' ? 'open' : 'create'} ${target}: ${e.strerror}\n`,
        );
        return 1;
      }
    }
    return {
      io: { stdin, out, err },
      close: () => {
        for (const f of files) {
          if (f.chunks.length) fs.writeFile(f.path, Buffer.concat(f.chunks), { append: true });
        }
      },
    };
  }

  // ---- expansion ----------------------------------------------------------------

  async expandWords(words: Word[], io: ShIo): Promise<string[]> {
    const out: string[] = [];
    for (const w of words) out.push(...(await this.expandWord(w, io, true)));
    return out;
  }

  /**
   * Parameter expansion, command substitution, field splitting (of unquoted
   * results) and pathname expansion (unquoted `*`, `?`, `[...]` that match
   * something); `split` false gives one field (assignments, redirections).
   */
  async expandWord(word: Word, io: ShIo, split: boolean): Promise<string[]> {
    const fields: Array<{ text: string; pattern: string; hasGlob: boolean }> = [];
    let cur: { text: string; pattern: string; hasGlob: boolean } | undefined;
    const add = (text: string, quoted: boolean) => {
      cur ??= { text: '', pattern: '', hasGlob: false };
      cur.text += text;
      if (quoted) cur.pattern += text.replace(/[*?[\]\\]/g, '\\$&');
      else {
        cur.pattern += text;
        if (/[*?[]/.test(text)) cur.hasGlob = true;
      }
    };
    const addSplit = (value: string) => {
      if (!split) return add(value, true);
      // A separator ends the field before it; empty pieces make no field.
      value.split(IFS).forEach((piece, i) => {
        if (i > 0 && cur) {
          fields.push(cur);
          cur = undefined;
        }
        if (piece) add(piece, false);
      });
    };
    for (const [i, part] of word.entries()) {
      if (part.kind === 'lit' && i === 0 && !part.quoted && part.text.startsWith('~')) {
        // Tilde expansion of an unquoted leading ~ or ~user.
        const m = /^~([A-Za-z0-9._-]*)(?=\/|$)/.exec(part.text);
        const home = m ? (m[1] ? this.guest.account(m[1])?.home : this.vars.get('HOME')) : undefined;
        if (m && home !== undefined) {
          add(home, true);
          add(part.text.slice(m[0].length), false);
          continue;
        }
      }
      if (part.kind === 'lit') add(part.text, part.quoted);
      else if (part.kind === 'param') {
        const value = await this.param(part, io);
        if (part.quoted) add(value, true);
        else addSplit(value);
      } else {
        const value = await this.commandSubstitution(part.script, io);
        if (part.quoted) add(value, true);
        else addSplit(value);
      }
    }
    if (cur) fields.push(cur);
    const result: string[] = [];
    for (const f of fields) {
      if (split && f.hasGlob) {
        const matches = this.glob(f.pattern);
        if (matches.length) {
          result.push(...matches);
          continue;
        }
      }
      result.push(f.text);
    }
    return result;
  }

  private async param(part: Extract<Word[number], { kind: 'param' }>, io: ShIo): Promise<string> {
    const special: Record<string, () => string> = {
      '?': () => String(this.status),
      $: () => '4242',
      '#': () => '0',
      '@': () => '',
      '*': () => '',
      '!': () => '',
      '0': () => this.argv0,
    };
    const get = (): string | undefined =>
      special[part.name]
        ? special[part.name]!()
        : /^\d$/.test(part.name)
          ? undefined
          : this.vars.get(part.name);
    let value = get();
    if (part.length) return String((value ?? '').length);
    if (part.op) {
      const unsetOrNull = value === undefined || (part.op.colon && value === '');
      const word = async () => (await this.expandWord(part.op!.word, io, false)).join('');
      switch (part.op.op) {
        case '-':
          if (unsetOrNull) return word();
          break;
        case '=':
          if (unsetOrNull) {
            value = await word();
            this.vars.set(part.name, value);
          }
          break;
        case '+':
          return unsetOrNull ? '' : word();
        case '?':
          if (unsetOrNull) {
            const text =
              (await word()) || (value === undefined ? 'parameter not set' : 'parameter null or not set');
            throw new ExpansionError(this.message(part.name, text), 1, true);
          }
          break;
      }
    }
    if (value === undefined && this.nounset && !['@', '*'].includes(part.name)) {
      throw new ExpansionError(
        this.guest.flavour === 'bash'
          ? this.message(part.name, 'unbound variable')
          : `sh: ${part.name}: parameter not set\n`,
        this.guest.flavour === 'bash' ? 127 : 2,
        true,
      );
    }
    return value ?? '';
  }

  private async commandSubstitution(script: ShList, io: ShIo): Promise<string> {
    const sub = this.fork();
    const chunks: Buffer[] = [];
    let status: number;
    try {
      status = await sub.list(script, {
        stdin: io.stdin,
        out: { write: (c) => chunks.push(Buffer.from(c)) },
        err: io.err,
      });
    } catch (e) {
      if (!(e instanceof ShExit)) throw e;
      status = e.code;
    }
    this.status = status;
    return Buffer.concat(chunks).toString('utf8').replace(/\n+$/, '');
  }

  /** Pathname expansion of one pattern against the guest's tree; sorted matches or none. */
  private glob(pattern: string): string[] {
    const fs = this.guest.fs;
    const absolute = pattern.startsWith('/');
    const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
    let paths = [absolute ? '/' : ''];
    for (const seg of segments.slice(absolute ? 1 : 0)) {
      const next: string[] = [];
      const isPattern = /(^|[^\\])[*?[]/.test(seg);
      for (const base of paths) {
        const dir = base === '' ? this.cwd : base;
        if (!isPattern) {
          const literal = seg.replace(/\\(.)/g, '$1');
          const candidate = base === '' ? literal : base === '/' ? `/${literal}` : `${base}/${literal}`;
          if (fs.exists(candidate, this.cwd)) next.push(candidate);
          continue;
        }
        let names: string[];
        try {
          names = fs.readdir(dir, { cwd: this.cwd, cred: this.cred });
        } catch {
          continue;
        }
        const re = globToRegExp(seg);
        for (const n of names) {
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (re.test(n)) next.push(base === '' ? n : base === '/' ? `/${n}` : `${base}/${n}`);
        }
      }
      paths = next;
      if (!paths.length) return [];
    }
    return paths.sort();
  }
}

class ExpansionError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

/** How bash's xtrace shows a word: bare when safe, else single-quoted. */
function traceQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function globToRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) re += `\\${seg[++i]}`;
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
