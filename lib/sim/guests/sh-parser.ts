/**
 * A parser for the subset of POSIX sh the emulated guests run: simple
 * commands with assignments and redirections (`<`, `>`, `>>`, `>|`, `n>&m`,
 * here-documents), pipelines, `!`, `&&`, `||`, `;`, newlines, `{ ...; }`,
 * `( ... )`, `if/elif/else/fi`, `for/in/do/done`, `while`/`until`, quoting
 * (single, double, backslash), parameter expansion (`$x`, `${x}`,
 * `${x:-word}` and friends, `$?`, `$$`, `$#`, `$@`) and command
 * substitution (`$(...)`, backticks). What it does not know (`case`,
 * functions, background jobs, arithmetic) is a syntax error, never silently
 * something else.
 */

import {
  type AndOr,
  type Pipeline,
  type Redirect,
  type ShCommand,
  type ShList,
  ShSyntaxError,
  type SimpleCommand,
  type Word,
} from './sh-ast.ts';
import { ShLexer, type Substitutions, type Token } from './sh-lexer.ts';

export * from './sh-ast.ts';

const RESERVED = new Set([
  'if',
  'then',
  'elif',
  'else',
  'fi',
  'for',
  'in',
  'do',
  'done',
  'while',
  'until',
  '{',
  '}',
  '!',
  'case',
  'esac',
  'function',
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses a script; throws ShSyntaxError with the line and the offending token. */
export function parseSh(source: string): ShList {
  return new Parser(new ShLexer(source, SUBSTITUTIONS)).script();
}

class Parser {
  constructor(private readonly lexer: ShLexer) {}

  private peek(): Token {
    return this.lexer.peek();
  }

  private next(): Token {
    return this.lexer.next();
  }

  script(): ShList {
    const list = this.list(new Set());
    const t = this.next();
    if (t.t !== 'eof') throw this.unexpected(t);
    return list;
  }

  // ---- grammar --------------------------------------------------------------

  /** A list up to one of the reserved words in `stop` (not consumed) or `)` or EOF. */
  list(stop: Set<string>): ShList {
    const out: ShList = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.t === 'eof' || (t.t === 'op' && t.op === ')')) break;
      if (t.t === 'word' && this.isReserved(t) && stop.has(t.raw)) break;
      out.push(this.andOr());
      const sep = this.peek();
      if (sep.t === 'op' && sep.op === ';') this.next();
      else if (sep.t === 'op' && sep.op === '&') {
        throw new ShSyntaxError('background jobs (&) are not supported by the emulated shell', sep.line, '&');
      } else if (sep.t === 'nl') this.next();
      else if (sep.t === 'eof' || (sep.t === 'op' && sep.op === ')')) break;
      else if (sep.t === 'word' && this.isReserved(sep) && stop.has(sep.raw)) break;
      else throw this.unexpected(sep);
    }
    return out;
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.op === '&&' || t.op === '||')) {
        this.next();
        this.skipNewlines();
        rest.push({ op: t.op, pipeline: this.pipeline() });
      } else return { first, rest };
    }
  }

  private pipeline(): Pipeline {
    let negate = false;
    const t = this.peek();
    if (t.t === 'word' && t.raw === '!' && this.isReserved(t)) {
      this.next();
      negate = true;
    }
    const commands = [this.command()];
    for (;;) {
      const p = this.peek();
      if (p.t === 'op' && p.op === '|') {
        this.next();
        this.skipNewlines();
        commands.push(this.command());
      } else return { negate, commands };
    }
  }

  private command(): ShCommand {
    const t = this.peek();
    if (t.t === 'op' && t.op === '(') {
      this.next();
      const body = this.list(new Set());
      this.expectOp(')');
      return { type: 'subshell', body, redirects: this.redirects() };
    }
    if (t.t === 'word' && this.isReserved(t)) {
      switch (t.raw) {
        case '{': {
          this.next();
          const body = this.list(new Set(['}']));
          this.expectWord('}');
          return { type: 'group', body, redirects: this.redirects() };
        }
        case 'if':
          return this.ifCommand();
        case 'for':
          return this.forCommand();
        case 'while':
        case 'until': {
          this.next();
          const cond = this.list(new Set(['do']));
          this.expectWord('do');
          const body = this.list(new Set(['done']));
          this.expectWord('done');
          return { type: 'loop', until: t.raw === 'until', cond, body, redirects: this.redirects() };
        }
        case 'case':
        case 'function':
          throw new ShSyntaxError(`'${t.raw}' is not supported by the emulated shell`, t.line, t.raw);
        default:
          throw this.unexpected(t);
      }
    }
    return this.simple();
  }

  private ifCommand(): ShCommand {
    this.expectWord('if');
    const clauses: Array<{ cond: ShList; body: ShList }> = [];
    let otherwise: ShList | undefined;
    let cond = this.list(new Set(['then']));
    for (;;) {
      this.expectWord('then');
      const body = this.list(new Set(['elif', 'else', 'fi']));
      clauses.push({ cond, body });
      const t = this.next();
      if (t.t === 'word' && t.raw === 'elif') {
        cond = this.list(new Set(['then']));
        continue;
      }
      if (t.t === 'word' && t.raw === 'else') {
        otherwise = this.list(new Set(['fi']));
        this.expectWord('fi');
        break;
      }
      if (t.t === 'word' && t.raw === 'fi') break;
      throw this.unexpected(t);
    }
    for (const c of clauses)
      if (!c.cond.length) throw new ShSyntaxError('empty condition', this.lexer.line, 'then');
    return { type: 'if', clauses, ...(otherwise ? { otherwise } : {}), redirects: this.redirects() };
  }

  private forCommand(): ShCommand {
    this.expectWord('for');
    const nameTok = this.next();
    if (nameTok.t !== 'word' || !NAME.test(nameTok.raw)) throw this.unexpected(nameTok);
    let items: Word[] | undefined;
    const t = this.peek();
    if (t.t === 'word' && t.raw === 'in') {
      this.next();
      items = [];
      for (;;) {
        const w = this.peek();
        if (w.t !== 'word') break;
        this.next();
        items.push(w.word);
      }
      const sep = this.next();
      if (!(sep.t === 'nl' || (sep.t === 'op' && sep.op === ';'))) throw this.unexpected(sep);
    } else if (t.t === 'op' && t.op === ';') this.next();
    this.skipNewlines();
    this.expectWord('do');
    const body = this.list(new Set(['done']));
    this.expectWord('done');
    return { type: 'for', name: nameTok.raw, ...(items ? { items } : {}), body, redirects: this.redirects() };
  }

  private simple(): SimpleCommand {
    const line = this.peek().line;
    const cmd: SimpleCommand = { type: 'simple', assigns: [], words: [], redirects: [], line };
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && /^\d*(>>|>\||>&|<&|<<-?|>|<)$/.test(t.op)) {
        cmd.redirects.push(this.redirect());
        continue;
      }
      if (t.t !== 'word') break;
      this.next();
      const eq = t.raw.indexOf('=');
      if (!cmd.words.length && eq > 0 && NAME.test(t.raw.slice(0, eq)) && isPlainPrefix(t.word, eq)) {
        cmd.assigns.push({ name: t.raw.slice(0, eq), value: dropPrefix(t.word, eq + 1) });
      } else cmd.words.push(t.word);
    }
    if (!cmd.words.length && !cmd.assigns.length && !cmd.redirects.length) throw this.unexpected(this.peek());
    return cmd;
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && /^\d*(>>|>\||>&|<&|<<-?|>|<)$/.test(t.op)) out.push(this.redirect());
      else return out;
    }
  }

  private redirect(): Redirect {
    const t = this.next() as { t: 'op'; op: string; line: number };
    const m = /^(\d*)(.*)$/.exec(t.op)!;
    const opText = m[2]!;
    const fd = m[1] ? Number(m[1]) : opText.startsWith('<') ? 0 : 1;
    const target = this.next();
    if (target.t !== 'word') throw this.unexpected(target);
    if (opText === '<<' || opText === '<<-') {
      const quoted = /["'\\]/.test(target.raw);
      const delimiter = target.raw.replace(/["'\\]/g, '');
      const r: Redirect = { fd, op: '<<', heredoc: { body: '', expand: !quoted } };
      this.lexer.pendingHeredocs.push(r);
      (r as Redirect & { delimiter?: string; stripTabs?: boolean }).delimiter = delimiter;
      (r as Redirect & { stripTabs?: boolean }).stripTabs = opText === '<<-';
      return r;
    }
    const op = opText === '>|' ? '>' : (opText as Redirect['op']);
    return { fd, op, target: target.word };
  }

  // ---- tokens ---------------------------------------------------------------

  private isReserved(t: Token): boolean {
    return (
      t.t === 'word' &&
      RESERVED.has(t.raw) &&
      t.word.length === 1 &&
      t.word[0]!.kind === 'lit' &&
      !t.word[0]!.quoted
    );
  }

  private expectWord(w: string): void {
    const t = this.next();
    if (!(t.t === 'word' && t.raw === w && this.isReserved(t))) throw this.unexpected(t);
  }

  private expectOp(op: string): void {
    const t = this.next();
    if (!(t.t === 'op' && t.op === op)) throw this.unexpected(t);
  }

  private skipNewlines(): void {
    while (this.peek().t === 'nl') this.next();
  }

  private unexpected(t: Token): ShSyntaxError {
    if (t.t === 'eof') return new ShSyntaxError('syntax error: unexpected end of file', t.line + 1);
    const text = t.t === 'nl' ? 'newline' : t.t === 'op' ? t.op : t.raw;
    return new ShSyntaxError(`syntax error near unexpected token \`${text}'`, t.line, text);
  }
}

function isPlainPrefix(word: Word, eq: number): boolean {
  const first = word[0];
  return first?.kind === 'lit' && !first.quoted && first.text.length > eq;
}

function dropPrefix(word: Word, n: number): Word {
  const [first, ...rest] = word;
  const text = (first as { text: string }).text.slice(n);
  return text
    ? [{ kind: 'lit', text, quoted: false }, ...rest]
    : rest.length
      ? rest
      : [{ kind: 'lit', text: '', quoted: true }];
}

/** How the lexer parses the commands inside a word: backquoted, and `$(...)` from where it stands. */
const SUBSTITUTIONS: Substitutions = {
  script: (source) => parseSh(source),
  list: (lexer) => new Parser(lexer).list(new Set()),
};
