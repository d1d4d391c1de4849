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

export type WordPart =
  | { kind: 'lit'; text: string; quoted: boolean }
  | {
      kind: 'param';
      name: string;
      quoted: boolean;
      op?: { op: '-' | '=' | '+' | '?'; colon: boolean; word: Word };
      length?: boolean;
    }
  | { kind: 'cmdsub'; script: ShList; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&' | '<<';
  target?: Word;
  /** Here-document body; `expand` unless the delimiter was quoted. */
  heredoc?: { body: string; expand: boolean; word?: Word };
}

export interface SimpleCommand {
  type: 'simple';
  assigns: Array<{ name: string; value: Word }>;
  words: Word[];
  redirects: Redirect[];
  line: number;
}

export type ShCommand =
  | SimpleCommand
  | { type: 'if'; clauses: Array<{ cond: ShList; body: ShList }>; otherwise?: ShList; redirects: Redirect[] }
  | { type: 'group'; body: ShList; redirects: Redirect[] }
  | { type: 'subshell'; body: ShList; redirects: Redirect[] }
  | { type: 'for'; name: string; items?: Word[]; body: ShList; redirects: Redirect[] }
  | { type: 'loop'; until: boolean; cond: ShList; body: ShList; redirects: Redirect[] };

export interface Pipeline {
  negate: boolean;
  commands: ShCommand[];
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
}

export type ShList = AndOr[];

export class ShSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    /** The unexpected token, when there is one (bash quotes it). */
    readonly token?: string,
  ) {
    super(message);
    this.name = 'ShSyntaxError';
  }
}

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
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

type Token =
  | { t: 'word'; word: Word; raw: string; line: number }
  | { t: 'op'; op: string; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

/** Parses a script; throws ShSyntaxError with the line and the offending token. */
export function parseSh(source: string): ShList {
  return new Parser(source).script();
}

class Parser {
  private pos = 0;
  private line = 1;
  private peeked: Token | undefined;
  private pendingHeredocs: Redirect[] = [];

  constructor(private readonly src: string) {}

  script(): ShList {
    const list = this.list(new Set());
    const t = this.next();
    if (t.t !== 'eof') throw this.unexpected(t);
    return list;
  }

  // ---- grammar --------------------------------------------------------------

  /** A list up to one of the reserved words in `stop` (not consumed) or `)` or EOF. */
  private list(stop: Set<string>): ShList {
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
      if (!c.cond.length) throw new ShSyntaxError('empty condition', this.line, 'then');
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
      this.pendingHeredocs.push(r);
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

  private peek(): Token {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  private next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private lex(): Token {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') {
        this.pos += 2;
        this.line++;
      } else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else break;
    }
    const line = this.line;
    if (this.pos >= this.src.length) {
      if (this.pendingHeredocs.length) this.readHeredocs();
      return { t: 'eof', line };
    }
    const c = this.src[this.pos]!;
    if (c === '\n') {
      this.pos++;
      this.line++;
      if (this.pendingHeredocs.length) this.readHeredocs();
      return { t: 'nl', line };
    }
    const rest = this.src.slice(this.pos);
    const redir = /^(\d*)(>>|>\||>&|<&|<<-|<<|>|<)/.exec(rest);
    if (redir && (redir[1] === '' || META.has(this.src[this.pos - 1] ?? ' '))) {
      this.pos += redir[0].length;
      return { t: 'op', op: redir[0], line };
    }
    for (const op of ['&&', '||', ';;', ';', '&', '|', '(', ')']) {
      if (rest.startsWith(op)) {
        if (op === ';;') throw new ShSyntaxError("syntax error near unexpected token `;;'", line, ';;');
        this.pos += op.length;
        return { t: 'op', op, line };
      }
    }
    const start = this.pos;
    const word = this.word((ch) => META.has(ch), false);
    return { t: 'word', word, raw: this.src.slice(start, this.pos), line };
  }

  /** Reads a word up to an unquoted character for which `end` holds. */
  private word(end: (ch: string) => boolean, inDouble: boolean): Word {
    const parts: Word = [];
    let lit = '';
    const flush = (quoted: boolean) => {
      if (lit) parts.push({ kind: 'lit', text: lit, quoted });
      lit = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (!inDouble && end(c)) break;
      if (inDouble && c === '"') break;
      if (c === '\\') {
        const n = this.src[this.pos + 1];
        if (n === undefined) {
          this.pos++;
          lit += '\\';
          continue;
        }
        if (n === '\n') {
          this.pos += 2;
          this.line++;
          continue;
        }
        if (inDouble && !'$`"\\'.includes(n)) {
          lit += '\\';
          this.pos++;
          continue;
        }
        flush(inDouble);
        parts.push({ kind: 'lit', text: n, quoted: true });
        this.pos += 2;
        continue;
      }
      if (c === "'" && !inDouble) {
        flush(false);
        const close = this.src.indexOf("'", this.pos + 1);
        if (close < 0)
          throw new ShSyntaxError("unexpected EOF while looking for matching `''", this.line, "'");
        const text = this.src.slice(this.pos + 1, close);
        this.line += text.split('\n').length - 1;
        parts.push({ kind: 'lit', text, quoted: true });
        this.pos = close + 1;
        continue;
      }
      if (c === '"' && !inDouble) {
        flush(false);
        this.pos++;
        const inner = this.word(() => false, true);
        if (this.src[this.pos] !== '"')
          throw new ShSyntaxError('unexpected EOF while looking for matching `"\'', this.line, '"');
        this.pos++;
        // An empty "" still makes a (quoted, empty) field.
        parts.push(...(inner.length ? inner : [{ kind: 'lit' as const, text: '', quoted: true }]));
        continue;
      }
      if (c === '$') {
        const part = this.dollar(inDouble);
        if (part) {
          flush(inDouble);
          parts.push(part);
          continue;
        }
      }
      if (c === '`') {
        flush(inDouble);
        const close = this.findBacktick(this.pos + 1);
        const inner = this.src.slice(this.pos + 1, close).replace(/\\([$`\\])/g, '$1');
        parts.push({ kind: 'cmdsub', script: parseSh(inner), quoted: inDouble });
        this.line += inner.split('\n').length - 1;
        this.pos = close + 1;
        continue;
      }
      if (c === '\n') this.line++;
      lit += c;
      this.pos++;
    }
    flush(inDouble);
    return parts;
  }

  private findBacktick(from: number): number {
    for (let i = from; i < this.src.length; i++) {
      if (this.src[i] === '\\') i++;
      else if (this.src[i] === '`') return i;
    }
    throw new ShSyntaxError("unexpected EOF while looking for matching ``'", this.line, '`');
  }

  /** `$name`, `${...}`, `$(...)`, `$?`...; undefined when `$` is literal. */
  private dollar(quoted: boolean): WordPart | undefined {
    const n = this.src[this.pos + 1];
    if (n === undefined) return undefined;
    if (n === '(') {
      if (this.src[this.pos + 2] === '(')
        throw new ShSyntaxError(
          'arithmetic expansion is not supported by the emulated shell',
          this.line,
          '$((',
        );
      this.pos += 2;
      const sub = new Parser(this.src);
      sub.pos = this.pos;
      sub.line = this.line;
      const script = sub.list(new Set());
      const close = sub.next();
      if (!(close.t === 'op' && close.op === ')'))
        throw new ShSyntaxError("unexpected EOF while looking for matching `)'", this.line, ')');
      this.pos = sub.pos;
      this.line = sub.line;
      return { kind: 'cmdsub', script, quoted };
    }
    if (n === '{') {
      const close = this.src.indexOf('}', this.pos + 2);
      if (close < 0) throw new ShSyntaxError("unexpected EOF while looking for matching `}'", this.line, '}');
      const body = this.src.slice(this.pos + 2, close);
      const m = /^(#?)([A-Za-z_][A-Za-z0-9_]*|[?$#@*!0-9])(?:(:?)([-=+?])([\s\S]*))?$/.exec(body);
      if (!m || (m[1] && m[4])) throw new ShSyntaxError(`\${${body}}: bad substitution`, this.line);
      const start = this.pos;
      this.pos = close + 1;
      void start;
      if (m[4]) {
        const sub = new Parser(m[5]!);
        const word = sub.word(() => false, false);
        return {
          kind: 'param',
          name: m[2]!,
          quoted,
          op: { op: m[4] as '-' | '=' | '+' | '?', colon: m[3] === ':', word },
        };
      }
      return { kind: 'param', name: m[2]!, quoted, ...(m[1] ? { length: true } : {}) };
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[?$#@*!0-9])/.exec(this.src.slice(this.pos + 1));
    if (!m) return undefined;
    this.pos += 1 + m[1]!.length;
    return { kind: 'param', name: m[1]!, quoted };
  }

  private readHeredocs(): void {
    for (const r of this.pendingHeredocs) {
      const meta = r as Redirect & { delimiter?: string; stripTabs?: boolean };
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.src.length) break;
        const nl = this.src.indexOf('\n', this.pos);
        const lineText = this.src.slice(this.pos, nl < 0 ? this.src.length : nl);
        this.pos = nl < 0 ? this.src.length : nl + 1;
        this.line++;
        const text = meta.stripTabs ? lineText.replace(/^\t+/, '') : lineText;
        if (text === meta.delimiter) break;
        lines.push(text);
      }
      const body = lines.length ? `${lines.join('\n')}\n` : '';
      r.heredoc = { body, expand: r.heredoc!.expand };
      if (r.heredoc.expand) {
        const sub = new Parser(body);
        r.heredoc.word = sub.heredocWord();
      }
      delete meta.delimiter;
      delete meta.stripTabs;
    }
    this.pendingHeredocs = [];
  }

  /** A here-document body: `$` and backslash expansions as in double quotes, `"` literal. */
  private heredocWord(): Word {
    const parts: Word = [];
    let lit = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\' && '$`\\\n'.includes(this.src[this.pos + 1] ?? '')) {
        if (this.src[this.pos + 1] !== '\n') lit += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '$' || c === '`') {
        const before = this.pos;
        const part = c === '$' ? this.dollar(true) : undefined;
        if (part) {
          if (lit) parts.push({ kind: 'lit', text: lit, quoted: true });
          lit = '';
          parts.push(part);
          continue;
        }
        this.pos = before;
      }
      lit += c;
      this.pos++;
    }
    if (lit) parts.push({ kind: 'lit', text: lit, quoted: true });
    return parts;
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
