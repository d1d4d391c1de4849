import { type GuestCredential, GuestFsError } from './guest-fs.ts';
import type { GuestAccount } from './guest-state.ts';
import { ExpansionError, expandWord, expandWords } from './sh-expansion.ts';
import {
  type AndOr,
  type Pipeline,
  parseSh,
  type ShCommand,
  type ShList,
  ShSyntaxError,
  type SimpleCommand,
} from './sh-parser.ts';
import { DEFAULT_PATH, type Proc, ShExit, type ShGuest, type ShIo, type Sink } from './sh-process.ts';
import { runProgram, SHELL_BUILTINS } from './sh-programs.ts';
import { applyRedirects } from './sh-redirections.ts';
import { specialBuiltin } from './sh-special-builtins.ts';

export {
  EMPTY_STDIN,
  type GuestProgram,
  type Proc,
  ShExit,
  type ShFlavour,
  type ShGuest,
  type ShIo,
  type ShStdin,
  type Sink,
} from './sh-process.ts';

/**
 * The POSIX shell of the Linux and pfSense guests: runs what `parseSh`
 * reads, against the guest's file tree, as the logged-in account. Error texts
 * and exit codes follow bash 5.2 (`bash: X: command not found`, 127) on
 * Linux, where the login shell is bash, and FreeBSD's sh (`sh: X: not
 * found`) on pfSense.
 */

class BreakLoop extends Error {}

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
    const redirected = await applyRedirects(this, cmd.redirects, io);
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
          const items = cmd.items ? await expandWords(this, cmd.items, rio) : [];
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
      argv = await expandWords(this, cmd.words, io);
    } catch (e) {
      if (e instanceof ExpansionError) {
        io.err.write(e.message);
        if (e.fatal) throw new ShExit(e.status);
        return e.status;
      }
      throw e;
    }
    const assigned: Record<string, string> = {};
    for (const a of cmd.assigns) assigned[a.name] = (await expandWord(this, a.value, io, false)).join('');
    if (!argv.length) {
      for (const [k, v] of Object.entries(assigned)) {
        if (this.xtrace) io.err.write(`+ ${k}=${traceQuote(v)}\n`);
        this.vars.set(k, v);
      }
      const redirected = await applyRedirects(this, cmd.redirects, io);
      if (typeof redirected === 'number') return redirected;
      redirected.close();
      return this.status;
    }
    if (this.xtrace) {
      for (const [k, v] of Object.entries(assigned)) io.err.write(`+ ${k}=${traceQuote(v)}\n`);
      io.err.write(`+ ${argv.map(traceQuote).join(' ')}\n`);
    }
    const redirected = await applyRedirects(this, cmd.redirects, io);
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
      const special = await specialBuiltin(this, name, args, io);
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

  /** Finds a command at its path or along PATH, as `exec`, `command -v` and `type` do: found, missing (why) or not executable. */
  lookup(
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
}

/** How bash's xtrace shows a word: bare when safe, else single-quoted. */
function traceQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
