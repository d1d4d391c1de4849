import type { PsExpr, PsStatement } from './powershell-ast.ts';
import type { PsParseError } from './powershell-parser.ts';

export const SQ = "'\u2018\u2019\u201A\u201B";
export const DQ = '"\u201C\u201D\u201E';
export const DASH = '-\u2013\u2014\u2015';

export const isSq = (c: string | undefined) => c !== undefined && c.length === 1 && SQ.includes(c);
export const isDq = (c: string | undefined) => c !== undefined && c.length === 1 && DQ.includes(c);
export const isDash = (c: string | undefined) => c !== undefined && c.length === 1 && DASH.includes(c);

export const COMPARISON = new Set(
  [
    'eq',
    'ne',
    'gt',
    'ge',
    'lt',
    'le',
    'like',
    'notlike',
    'match',
    'notmatch',
    'contains',
    'notcontains',
    'in',
    'notin',
    'replace',
  ]
    .flatMap((o) => [o, `i${o}`, `c${o}`])
    .concat(['is', 'isnot', 'as', 'join', 'split']),
);
export const LOGICAL = new Set(['and', 'or', 'xor']);
export const KEYWORDS = new Set([
  'catch',
  'finally',
  'if',
  'elseif',
  'else',
  'foreach',
  'throw',
  'exit',
  'return',
  'function',
  'while',
  'do',
  'for',
  'switch',
  'try',
  'trap',
  'param',
  'begin',
  'process',
  'end',
]);

/**
 * The lexical layer of the PowerShell parser: position, blanks and comments,
 * barewords, variables and string literals (single, double, here-strings).
 * The grammar above it supplies statements and expressions (for `$(...)`
 * inside strings) and the errors.
 */
export abstract class PsScanner {
  pos = 0;
  protected noComma = false;

  constructor(readonly src: string) {}

  abstract error(message: string, id: string, at?: number): PsParseError;
  abstract statements(close: string | undefined): PsStatement[];
  /** A double-quoted string parsed from `text` (the body of a here-string). */
  protected abstract reparseString(text: string): PsExpr;
  /** A primary expression (`$x`, `$(...)`) where a string expands one. */
  abstract primary(): PsExpr;

  eof(): boolean {
    return this.pos >= this.src.length;
  }

  peekToken(): string {
    return /^\S+/.exec(this.src.slice(this.pos))?.[0]?.slice(0, 20) ?? '';
  }

  protected ch(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }

  /** Skips blanks, comments and line continuations; newlines too when `newlines`. */
  skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.ch();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\u00A0') this.pos++;
      else if (c === '`' && (this.ch(1) === '\n' || (this.ch(1) === '\r' && this.ch(2) === '\n')))
        this.pos += this.ch(1) === '\r' ? 3 : 2;
      else if (c === '#') {
        while (!this.eof() && this.ch() !== '\n') this.pos++;
      } else if (c === '<' && this.ch(1) === '#') {
        const close = this.src.indexOf('#>', this.pos + 2);
        if (close < 0) throw this.error('Missing the terminator: #>.', 'MissingTerminatorMultiLineComment');
        this.pos = close + 2;
      } else if (newlines && c === '\n') this.pos++;
      else return;
    }
  }

  /** A bareword in argument mode: up to blanks or one of `;,|(){}` and newlines; backtick escapes a character. */
  protected genericToken(): string {
    let out = '';
    while (!this.eof()) {
      const c = this.ch();
      if (' \t\r\n;,|(){}&>'.includes(c)) break;
      if (c === '`') {
        const n = this.ch(1);
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        this.pos += 2;
        continue;
      }
      if ((isSq(c) || isDq(c)) && out) {
        const s = this.stringLiteral();
        out += s.k === 'const' ? String(s.value) : '';
        continue;
      }
      out += c;
      this.pos++;
    }
    return out;
  }

  variable(): PsExpr {
    const start = this.pos;
    this.pos++; // $
    if (this.ch() === '{') {
      const close = this.src.indexOf('}', this.pos);
      if (close < 0)
        throw this.error("Missing '}' in variable reference.", 'IncompleteDollarVariableReference');
      const name = this.src.slice(this.pos + 1, close);
      this.pos = close + 1;
      return { k: 'var', name, e: { start, end: this.pos } };
    }
    const m = /^(?:([A-Za-z]+):)?([A-Za-z_][\w]*|\?|\^|\$|_)/.exec(this.src.slice(this.pos));
    if (!m) {
      // A lone `$` is a literal dollar in PowerShell.
      return { k: 'const', value: '$', e: { start, end: this.pos } };
    }
    this.pos += m[0].length;
    const scope = m[1]?.toLowerCase();
    const name =
      scope && scope !== 'script' && scope !== 'global' && scope !== 'local' && scope !== 'private'
        ? `${scope}:${m[2]}`
        : m[2]!;
    return { k: 'var', name, e: { start, end: this.pos } };
  }

  stringLiteral(): PsExpr {
    const start = this.pos;
    const open = this.ch();
    this.pos++;
    if (isSq(open)) {
      let out = '';
      for (;;) {
        if (this.eof())
          throw this.error(
            "The string is missing the terminator: '.",
            'TerminatorExpectedAtEndOfString',
            start,
          );
        const c = this.ch();
        if (isSq(c)) {
          // A doubled quote (any of the four single-quote characters) is the second character, literally.
          if (isSq(this.ch(1))) {
            out += this.ch(1);
            this.pos += 2;
            continue;
          }
          this.pos++;
          return { k: 'const', value: out, e: { start, end: this.pos } };
        }
        out += c;
        this.pos++;
      }
    }
    const parts: Array<string | PsExpr> = [];
    let lit = '';
    for (;;) {
      if (this.eof())
        throw this.error(
          'The string is missing the terminator: ".',
          'TerminatorExpectedAtEndOfString',
          start,
        );
      const c = this.ch();
      if (isDq(c)) {
        if (isDq(this.ch(1))) {
          lit += this.ch(1);
          this.pos += 2;
          continue;
        }
        this.pos++;
        break;
      }
      if (c === '`') {
        lit += backtick(this.ch(1));
        this.pos += 2;
        continue;
      }
      if (c === '$' && (this.ch(1) === '(' || this.ch(1) === '{' || /[A-Za-z_?^$]/.test(this.ch(1)))) {
        if (lit) parts.push(lit);
        lit = '';
        parts.push(this.ch(1) === '(' ? this.primary() : this.variable());
        continue;
      }
      lit += c;
      this.pos++;
    }
    if (lit) parts.push(lit);
    if (parts.every((p) => typeof p === 'string'))
      return { k: 'const', value: parts.join(''), e: { start, end: this.pos } };
    return { k: 'expandable', parts, e: { start, end: this.pos } };
  }

  protected hereString(): PsExpr {
    const start = this.pos;
    const quote = this.ch(1);
    const single = isSq(quote);
    const headerEnd = this.src.indexOf('\n', this.pos);
    if (headerEnd < 0 || this.src.slice(this.pos + 2, headerEnd).trim() !== '')
      throw this.error(
        'No characters are allowed after a here-string header but before the end of the line.',
        'UnexpectedCharactersAfterHereStringHeader',
      );
    const close = new RegExp(`\\r?\\n[${single ? SQ : DQ}]@`, 'g');
    close.lastIndex = headerEnd;
    const m = close.exec(this.src);
    if (!m)
      throw this.error(
        'The string is missing the terminator: ' + quote + '@.',
        'TerminatorExpectedAtEndOfString',
      );
    const body = this.src.slice(headerEnd + 1, m.index);
    this.pos = m.index + m[0].length;
    if (single) return { k: 'const', value: body, e: { start, end: this.pos } };
    const parsed = this.reparseString(`"${body.replace(/"/g, '""')}"`);
    return { ...parsed, e: { start, end: this.pos } };
  }
}

export function backtick(c: string): string {
  const map: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '0': '\0',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    e: '\x1b',
  };
  return map[c] ?? c;
}
