import { type Redirect, type ShList, ShSyntaxError, type Word, type WordPart } from './sh-ast.ts';

/**
 * The tokens of the emulated sh: words (with their quoting, parameters and
 * command substitutions), operators and redirections, newlines (after which
 * pending here-document bodies are read), end of input.
 */

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

export type Token =
  | { t: 'word'; word: Word; raw: string; line: number }
  | { t: 'op'; op: string; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

/** How the lexer parses the commands inside a word (the parser gives it, so the two stay one grammar). */
export interface Substitutions {
  /** A whole script: a backquoted command. */
  script(source: string): ShList;
  /** A list from where `lexer` stands up to `)`, which is left to read (`$(...)`). */
  list(lexer: ShLexer): ShList;
}

export class ShLexer {
  private peeked: Token | undefined;
  /** Here-documents whose bodies start after the next newline. */
  pendingHeredocs: Redirect[] = [];

  constructor(
    private readonly src: string,
    private readonly parse: Substitutions,
    private pos = 0,
    public line = 1,
  ) {}

  peek(): Token {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  next(): Token {
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
  word(end: (ch: string) => boolean, inDouble: boolean): Word {
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
        parts.push({ kind: 'cmdsub', script: this.parse.script(inner), quoted: inDouble });
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
      const sub = new ShLexer(this.src, this.parse, this.pos, this.line);
      const script = this.parse.list(sub);
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
        const sub = new ShLexer(m[5]!, this.parse);
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
        const sub = new ShLexer(body, this.parse);
        r.heredoc.word = sub.heredocWord();
      }
      delete meta.delimiter;
      delete meta.stripTabs;
    }
    this.pendingHeredocs = [];
  }

  /** A here-document body: `$` and backslash expansions as in double quotes, `"` literal. */
  heredocWord(): Word {
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
