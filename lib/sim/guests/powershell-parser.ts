/**
 * A parser for the subset of Windows PowerShell 5.1 the emulated Windows
 * guests run: statements (`if/elseif/else`, `foreach`, `throw`, `exit`,
 * `return`, assignments with `=`/`+=`), pipelines of commands and
 * expressions, commands in argument mode (`-Param`, `-Param:value`,
 * barewords, comma lists), and expressions with PowerShell's precedence:
 * `-and/-or` < comparisons < `+ -` < `* / %` < `-f` < unary (`-not`, `!`,
 * `-`) < `,` < casts < member access, method calls, indexing. Strings follow
 * PowerShell's rules: single quotes (and their typographic variants) take
 * nothing literally except a doubled quote; double quotes expand `$var`,
 * `${var}`, `$env:X`, `$(...)` and backtick escapes.
 */

export interface PsExtent {
  /** Offsets into the script. */
  readonly start: number;
  readonly end: number;
}

export type PsExpr =
  | { k: 'const'; value: string | number | boolean | null; e: PsExtent }
  | { k: 'expandable'; parts: Array<string | PsExpr>; e: PsExtent }
  | { k: 'var'; name: string; e: PsExtent }
  | { k: 'array'; items: PsExpr[]; e: PsExtent }
  | { k: 'arraysub'; body: PsStatement[]; e: PsExtent }
  | { k: 'subexpr'; body: PsStatement[]; e: PsExtent }
  | { k: 'paren'; stmt: PsStatement; e: PsExtent }
  | { k: 'hash'; entries: Array<[PsExpr, PsStatement]>; e: PsExtent }
  | { k: 'scriptblock'; body: PsStatement[]; text: string; e: PsExtent }
  | { k: 'member'; target: PsExpr; name: PsExpr; isStatic: boolean; e: PsExtent }
  | { k: 'invoke'; target: PsExpr; name: PsExpr; args: PsExpr[]; isStatic: boolean; e: PsExtent }
  | { k: 'index'; target: PsExpr; index: PsExpr; e: PsExtent }
  | { k: 'type'; name: string; e: PsExtent }
  | { k: 'cast'; type: string; expr: PsExpr; e: PsExtent }
  | { k: 'unary'; op: string; expr: PsExpr; e: PsExtent }
  | { k: 'binary'; op: string; left: PsExpr; right: PsExpr; e: PsExtent };

export type PsArg =
  | { k: 'param'; name: string; value?: PsExpr; e: PsExtent }
  | { k: 'value'; expr: PsExpr; e: PsExtent };

export type PsElement =
  | { k: 'expr'; expr: PsExpr; e: PsExtent }
  | { k: 'command'; name: string; args: PsArg[]; nameExtent: PsExtent; e: PsExtent };

export type PsStatement =
  | { k: 'pipeline'; elements: PsElement[]; e: PsExtent }
  | { k: 'assign'; target: PsExpr; op: '=' | '+='; value: PsStatement; e: PsExtent }
  | {
      k: 'if';
      clauses: Array<{ cond: PsStatement; body: PsStatement[] }>;
      otherwise?: PsStatement[];
      e: PsExtent;
    }
  | { k: 'foreach'; variable: string; collection: PsStatement; body: PsStatement[]; e: PsExtent }
  | { k: 'flow'; op: 'throw' | 'exit' | 'return'; value?: PsStatement; e: PsExtent }
  | {
      k: 'try';
      body: PsStatement[];
      catches: Array<{ types: string[]; body: PsStatement[] }>;
      finally?: PsStatement[];
      e: PsExtent;
    };

export class PsParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly errorId: string,
  ) {
    super(message);
    this.name = 'PsParseError';
  }
}

const SQ = "'\u2018\u2019\u201A\u201B";
const DQ = '"\u201C\u201D\u201E';
const DASH = '-\u2013\u2014\u2015';

const isSq = (c: string | undefined) => c !== undefined && c.length === 1 && SQ.includes(c);
const isDq = (c: string | undefined) => c !== undefined && c.length === 1 && DQ.includes(c);
const isDash = (c: string | undefined) => c !== undefined && c.length === 1 && DASH.includes(c);

const COMPARISON = new Set(
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
const LOGICAL = new Set(['and', 'or', 'xor']);
const KEYWORDS = new Set([
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

export function parsePowerShell(source: string): PsStatement[] {
  const p = new PsParser(source);
  const body = p.statements(undefined);
  p.skipSpace(true);
  if (!p.eof())
    throw p.error(`Unexpected token '${p.peekToken()}' in expression or statement.`, 'UnexpectedToken');
  return body;
}

class PsParser {
  pos = 0;
  private noComma = false;

  constructor(readonly src: string) {}

  eof(): boolean {
    return this.pos >= this.src.length;
  }

  error(message: string, id: string, at = this.pos): PsParseError {
    return new PsParseError(message, at, id);
  }

  peekToken(): string {
    return /^\S+/.exec(this.src.slice(this.pos))?.[0]?.slice(0, 20) ?? '';
  }

  private ch(offset = 0): string {
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

  // ---- statements -------------------------------------------------------------

  /** Statements up to `close` (not consumed) or EOF. */
  statements(close: string | undefined): PsStatement[] {
    const out: PsStatement[] = [];
    for (;;) {
      this.skipSpace(true);
      while (this.ch() === ';') {
        this.pos++;
        this.skipSpace(true);
      }
      if (this.eof() || (close !== undefined && this.ch() === close)) return out;
      if (close === undefined && (this.ch() === ')' || this.ch() === '}'))
        throw this.error(`Unexpected token '${this.ch()}' in expression or statement.`, 'UnexpectedToken');
      out.push(this.statement());
      this.skipSpace(false);
      const c = this.ch();
      if (c === ';' || c === '\n') this.pos++;
      else if (this.eof() || (close !== undefined && c === close)) return out;
      else
        throw this.error(
          `Unexpected token '${this.peekToken()}' in expression or statement.`,
          'UnexpectedToken',
        );
    }
  }

  private block(what: string): PsStatement[] {
    this.skipSpace(true);
    if (this.ch() !== '{')
      throw this.error(`Missing statement block after ${what}.`, 'MissingStatementBlock');
    this.pos++;
    const body = this.statements('}');
    if (this.ch() !== '}')
      throw this.error("Missing closing '}' in statement block or type definition.", 'MissingEndCurlyBrace');
    this.pos++;
    return body;
  }

  private keyword(): string | undefined {
    const m = /^[A-Za-z]+/.exec(this.src.slice(this.pos));
    if (!m) return undefined;
    const word = m[0].toLowerCase();
    const after = this.src[this.pos + m[0].length] ?? '';
    if (KEYWORDS.has(word) && !/[\w-]/.test(after)) return word;
    return undefined;
  }

  statement(): PsStatement {
    const start = this.pos;
    const kw = this.keyword();
    if (kw === 'if') {
      const clauses: Array<{ cond: PsStatement; body: PsStatement[] }> = [];
      let otherwise: PsStatement[] | undefined;
      this.pos += 2;
      clauses.push(this.conditionAndBlock('if'));
      for (;;) {
        const save = this.pos;
        this.skipSpace(true);
        const next = this.keyword();
        if (next === 'elseif') {
          this.pos += 6;
          clauses.push(this.conditionAndBlock('elseif'));
        } else if (next === 'else') {
          this.pos += 4;
          otherwise = this.block("'else'");
          break;
        } else {
          this.pos = save;
          break;
        }
      }
      return { k: 'if', clauses, ...(otherwise ? { otherwise } : {}), e: { start, end: this.pos } };
    }
    if (kw === 'foreach') {
      this.pos += 7;
      this.skipSpace(false);
      if (this.ch() !== '(')
        throw this.error(
          "Missing opening '(' after keyword 'foreach'.",
          'MissingOpenParenthesisAfterKeyword',
        );
      this.pos++;
      this.skipSpace(true);
      const v = this.variable();
      if (v.k !== 'var')
        throw this.error('Missing variable name after foreach.', 'MissingVariableNameAfterForeach');
      this.skipSpace(true);
      if (this.keyword() !== undefined || !/^in\b/i.test(this.src.slice(this.pos)))
        throw this.error("Missing 'in' after variable in foreach loop.", 'MissingInInForeach');
      this.pos += 2;
      this.skipSpace(true);
      const collection = this.pipelineStatement();
      this.skipSpace(true);
      if (this.ch() !== ')')
        throw this.error(
          "Missing closing ')' after expression in 'foreach' statement.",
          'MissingEndParenthesisAfterForeach',
        );
      this.pos++;
      const body = this.block("'foreach'");
      return { k: 'foreach', variable: v.name, collection, body, e: { start, end: this.pos } };
    }
    if (kw === 'throw' || kw === 'exit' || kw === 'return') {
      this.pos += kw.length;
      this.skipSpace(false);
      const c = this.ch();
      const value =
        this.eof() || c === '\n' || c === ';' || c === '}' || c === ')'
          ? undefined
          : this.pipelineStatement();
      return { k: 'flow', op: kw, ...(value ? { value } : {}), e: { start, end: this.pos } };
    }
    if (kw === 'try') {
      this.pos += 3;
      const body = this.block("'try'");
      const catches: Array<{ types: string[]; body: PsStatement[] }> = [];
      let fin: PsStatement[] | undefined;
      for (;;) {
        const save = this.pos;
        this.skipSpace(true);
        const next = this.keyword();
        if (next === 'catch') {
          this.pos += 5;
          const types: string[] = [];
          for (;;) {
            this.skipSpace(false);
            if (this.ch() !== '[') break;
            types.push(this.typeName());
            this.skipSpace(false);
            if (this.ch() === ',') this.pos++;
          }
          catches.push({ types, body: this.block("'catch'") });
        } else if (next === 'finally') {
          this.pos += 7;
          fin = this.block("'finally'");
          break;
        } else {
          this.pos = save;
          break;
        }
      }
      if (!catches.length && !fin)
        throw this.error('The Try statement is missing its Catch or Finally block.', 'MissingCatchOrFinally');
      return { k: 'try', body, catches, ...(fin ? { finally: fin } : {}), e: { start, end: this.pos } };
    }
    if (kw !== undefined && kw !== 'else' && kw !== 'elseif' && kw !== 'catch' && kw !== 'finally') {
      throw this.error(
        `The '${kw}' keyword is not supported by the pvecdk guest emulator.`,
        'ReservedKeywordNotAllowed',
      );
    }
    return this.pipelineStatement();
  }

  private conditionAndBlock(what: string): { cond: PsStatement; body: PsStatement[] } {
    this.skipSpace(false);
    if (this.ch() !== '(')
      throw this.error(
        `Missing '(' after '${what}' in ${what} statement.`,
        'MissingOpenParenthesisInIfStatement',
      );
    this.pos++;
    this.skipSpace(true);
    const cond = this.pipelineStatement();
    this.skipSpace(true);
    if (this.ch() !== ')')
      throw this.error(
        `Missing closing ')' after expression in '${what}' statement.`,
        'MissingEndParenthesisAfterStatement',
      );
    this.pos++;
    return { cond, body: this.block(`if ( condition )`) };
  }

  /** A pipeline, or an assignment whose value is one. */
  pipelineStatement(): PsStatement {
    const start = this.pos;
    const elements: PsElement[] = [];
    for (;;) {
      this.skipSpace(elements.length > 0);
      const el = this.element(elements.length === 0);
      if (elements.length === 0 && el.k === 'expr') {
        this.skipSpace(false);
        const assign = /^(\+=|=(?!=))/.exec(this.src.slice(this.pos));
        if (assign) {
          if (!['var', 'member', 'index'].includes(el.expr.k))
            throw this.error(
              'The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.',
              'InvalidLeftHandSide',
            );
          this.pos += assign[0].length;
          this.skipSpace(true);
          const value = this.statement();
          return {
            k: 'assign',
            target: el.expr,
            op: assign[0] as '=' | '+=',
            value,
            e: { start, end: this.pos },
          };
        }
      }
      elements.push(el);
      this.skipSpace(false);
      if (this.ch() === '|' && this.ch(1) !== '|') {
        this.pos++;
        this.skipSpace(true);
        if (this.eof() || ')};'.includes(this.ch()))
          throw this.error('An empty pipe element is not allowed.', 'EmptyPipeElement');
        continue;
      }
      if (this.ch() === '2' && this.ch(1) === '>')
        throw this.error(
          'Redirections are not supported by the pvecdk guest emulator.',
          'RedirectionNotSupported',
        );
      if (this.ch() === '>')
        throw this.error(
          'Redirections are not supported by the pvecdk guest emulator.',
          'RedirectionNotSupported',
        );
      return { k: 'pipeline', elements, e: { start, end: this.pos } };
    }
  }

  private element(first: boolean): PsElement {
    const start = this.pos;
    const c = this.ch();
    const isExprStart =
      c === '$' ||
      isSq(c) ||
      isDq(c) ||
      /[0-9]/.test(c) ||
      c === '(' ||
      c === '@' ||
      c === '[' ||
      c === '!' ||
      c === ',' ||
      (isDash(c) && /^[-\u2013\u2014\u2015](not|bnot|split|join)\b/i.test(this.src.slice(this.pos))) ||
      (isDash(c) && /[0-9.]/.test(this.ch(1)));
    if (c === '{') {
      if (!first)
        throw this.error(
          'Expressions are only allowed as the first element of a pipeline.',
          'ExpressionsMustBeFirstInPipeline',
        );
      const expr = this.expression();
      return { k: 'expr', expr, e: { start, end: this.pos } };
    }
    if (isExprStart) {
      if (!first)
        throw this.error(
          'Expressions are only allowed as the first element of a pipeline.',
          'ExpressionsMustBeFirstInPipeline',
        );
      const expr = this.expression();
      return { k: 'expr', expr, e: { start, end: this.pos } };
    }
    if (c === '&' || c === '.') {
      this.pos++;
      this.skipSpace(false);
    }
    return this.command(start);
  }

  // ---- commands (argument mode) ---------------------------------------------

  private command(start: number): PsElement {
    const nameStart = this.pos;
    let name: string;
    if (isSq(this.ch()) || isDq(this.ch())) {
      const s = this.stringLiteral();
      name = s.k === 'const' ? String(s.value) : '';
    } else name = this.genericToken();
    if (!name)
      throw this.error(
        `Unexpected token '${this.peekToken()}' in expression or statement.`,
        'UnexpectedToken',
      );
    const nameExtent = { start: nameStart, end: this.pos };
    const args: PsArg[] = [];
    for (;;) {
      this.skipSpace(false);
      const c = this.ch();
      if (this.eof() || c === '\n' || c === ';' || c === '|' || c === ')' || c === '}' || c === '>') break;
      if (c === '&' && this.ch(1) === '&') break;
      const argStart = this.pos;
      if (isDash(c) && /[A-Za-z_?]/.test(this.ch(1))) {
        const m = /^[-\u2013\u2014\u2015]([A-Za-z_?][\w-]*)(:?)/.exec(this.src.slice(this.pos))!;
        this.pos += m[0].length;
        if (m[2]) {
          this.skipSpace(false);
          const value = this.argumentValue();
          args.push({ k: 'param', name: m[1]!, value, e: { start: argStart, end: this.pos } });
        } else args.push({ k: 'param', name: m[1]!, e: { start: argStart, end: this.pos } });
        continue;
      }
      const expr = this.argumentValue();
      args.push({ k: 'value', expr, e: { start: argStart, end: this.pos } });
    }
    return { k: 'command', name, args, nameExtent, e: { start, end: this.pos } };
  }

  /** A command argument: an expression-like value or a bareword, with `,` making an array. */
  private argumentValue(): PsExpr {
    const start = this.pos;
    const items = [this.singleArgument()];
    for (;;) {
      const save = this.pos;
      this.skipSpace(false);
      if (this.ch() !== ',') {
        this.pos = save;
        break;
      }
      this.pos++;
      this.skipSpace(true);
      items.push(this.singleArgument());
    }
    return items.length === 1 ? items[0]! : { k: 'array', items, e: { start, end: this.pos } };
  }

  private singleArgument(): PsExpr {
    const start = this.pos;
    const c = this.ch();
    if (c === '$' || c === '(' || c === '@' || c === '{' || isSq(c) || isDq(c) || c === '[') {
      return this.postfix(this.primary());
    }
    const token = this.genericToken();
    if (!token)
      throw this.error(
        `Unexpected token '${this.peekToken()}' in expression or statement.`,
        'UnexpectedToken',
      );
    const e = { start, end: this.pos };
    if (/^[-+]?\d+$/.test(token)) return { k: 'const', value: Number(token), e };
    if (/^[-+]?(\d+\.\d*|\.\d+)$/.test(token)) return { k: 'const', value: Number(token), e };
    if (/^0x[0-9a-f]+$/i.test(token)) return { k: 'const', value: Number.parseInt(token, 16), e };
    return { k: 'const', value: token, e };
  }

  /** A bareword in argument mode: up to blanks or one of `;,|(){}` and newlines; backtick escapes a character. */
  private genericToken(): string {
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

  // ---- expressions ----------------------------------------------------------

  expression(): PsExpr {
    return this.logical();
  }

  /** `-op` at the cursor (after blanks), when it is one of `ops`. */
  private operator(ops: Set<string>): string | undefined {
    const save = this.pos;
    this.skipSpace(false);
    const m = /^[-\u2013\u2014\u2015]([A-Za-z]+)(?![\w-])/.exec(this.src.slice(this.pos));
    if (m && ops.has(m[1]!.toLowerCase())) {
      this.pos += m[0].length;
      this.skipSpace(true);
      return m[1]!.toLowerCase();
    }
    this.pos = save;
    return undefined;
  }

  private logical(): PsExpr {
    const start = this.pos;
    let left = this.comparison();
    for (;;) {
      const op = this.operator(LOGICAL);
      if (!op) return left;
      const right = this.comparison();
      left = { k: 'binary', op, left, right, e: { start, end: this.pos } };
    }
  }

  private comparison(): PsExpr {
    const start = this.pos;
    let left = this.additive();
    for (;;) {
      const op = this.operator(COMPARISON);
      if (!op) return left;
      const right = this.additive();
      left = { k: 'binary', op, left, right, e: { start, end: this.pos } };
    }
  }

  private additive(): PsExpr {
    const start = this.pos;
    let left = this.multiplicative();
    for (;;) {
      const save = this.pos;
      this.skipSpace(false);
      const c = this.ch();
      if ((c === '+' || isDash(c)) && this.ch(1) !== '=' && !(isDash(c) && /[A-Za-z]/.test(this.ch(1)))) {
        this.pos++;
        this.skipSpace(true);
        const right = this.multiplicative();
        left = { k: 'binary', op: c === '+' ? '+' : '-', left, right, e: { start, end: this.pos } };
      } else {
        this.pos = save;
        return left;
      }
    }
  }

  private multiplicative(): PsExpr {
    const start = this.pos;
    let left = this.format();
    for (;;) {
      const save = this.pos;
      this.skipSpace(false);
      const c = this.ch();
      if ((c === '*' || c === '/' || c === '%') && this.ch(1) !== '=') {
        this.pos++;
        this.skipSpace(true);
        const right = this.format();
        left = { k: 'binary', op: c, left, right, e: { start, end: this.pos } };
      } else {
        this.pos = save;
        return left;
      }
    }
  }

  private format(): PsExpr {
    const start = this.pos;
    let left = this.unary();
    for (;;) {
      const op = this.operator(new Set(['f']));
      if (!op) return left;
      const right = this.unary();
      left = { k: 'binary', op: 'f', left, right, e: { start, end: this.pos } };
    }
  }

  private unary(): PsExpr {
    const start = this.pos;
    const c = this.ch();
    const m = /^[-\u2013\u2014\u2015](not|bnot|split|join)(?![\w-])/i.exec(this.src.slice(this.pos));
    if (m) {
      this.pos += m[0].length;
      this.skipSpace(true);
      const expr = this.unary();
      return { k: 'unary', op: m[1]!.toLowerCase(), expr, e: { start, end: this.pos } };
    }
    if (c === '!') {
      this.pos++;
      this.skipSpace(true);
      const expr = this.unary();
      return { k: 'unary', op: 'not', expr, e: { start, end: this.pos } };
    }
    if ((isDash(c) || c === '+') && !/[0-9.]/.test(this.ch(1))) {
      this.pos++;
      this.skipSpace(true);
      const expr = this.unary();
      return { k: 'unary', op: c === '+' ? '+' : '-', expr, e: { start, end: this.pos } };
    }
    if (c === ',') {
      this.pos++;
      this.skipSpace(true);
      const expr = this.unary();
      return { k: 'array', items: [expr], e: { start, end: this.pos } };
    }
    return this.comma();
  }

  private comma(): PsExpr {
    const start = this.pos;
    if (this.noComma) return this.cast();
    const items = [this.cast()];
    for (;;) {
      const save = this.pos;
      this.skipSpace(false);
      if (this.ch() !== ',') {
        this.pos = save;
        break;
      }
      this.pos++;
      this.skipSpace(true);
      items.push(this.cast());
    }
    return items.length === 1 ? items[0]! : { k: 'array', items, e: { start, end: this.pos } };
  }

  private cast(): PsExpr {
    const start = this.pos;
    if (this.ch() === '[') {
      const type = this.typeName();
      // `[type]::Member` is a static access; `[type] expr` a conversion.
      if (this.src.startsWith('::', this.pos)) {
        return this.postfix({ k: 'type', name: type, e: { start, end: this.pos } });
      }
      const save = this.pos;
      this.skipSpace(false);
      const c = this.ch();
      if (
        this.eof() ||
        c === '\n' ||
        c === ')' ||
        c === ';' ||
        c === '}' ||
        c === '|' ||
        c === ',' ||
        c === '='
      ) {
        this.pos = save;
        return this.postfix({ k: 'type', name: type, e: { start, end: this.pos } });
      }
      const expr = this.unary();
      return { k: 'cast', type, expr, e: { start, end: this.pos } };
    }
    return this.postfix(this.primary());
  }

  private typeName(): string {
    let depth = 0;
    const start = this.pos;
    do {
      if (this.ch() === '[') depth++;
      else if (this.ch() === ']') depth--;
      this.pos++;
    } while (depth > 0 && !this.eof());
    if (depth > 0)
      throw this.error(
        "Missing ']' at end of attribute or type literal.",
        'EndSquareBracketExpectedAtEndOfAttribute',
      );
    return this.src.slice(start + 1, this.pos - 1).trim();
  }

  /** `.Name`, `.Name(args)`, `::Name`, `[index]`, directly after the target (no blank). */
  postfix(target: PsExpr): PsExpr {
    const start = target.e.start;
    let expr = target;
    for (;;) {
      const c = this.ch();
      if ((c === '.' && /[A-Za-z_$'"]/.test(this.ch(1))) || (c === ':' && this.ch(1) === ':')) {
        const isStatic = c === ':';
        this.pos += isStatic ? 2 : 1;
        const nameStart = this.pos;
        let name: PsExpr;
        if (this.ch() === '$') name = this.variable();
        else if (isSq(this.ch()) || isDq(this.ch())) name = this.stringLiteral();
        else {
          const m = /^[A-Za-z_][\w]*/.exec(this.src.slice(this.pos));
          if (!m) throw this.error('Missing property name after reference operator.', 'MissingPropertyName');
          this.pos += m[0].length;
          name = { k: 'const', value: m[0], e: { start: nameStart, end: this.pos } };
        }
        if (this.ch() === '(') {
          this.pos++;
          const args: PsExpr[] = [];
          this.skipSpace(true);
          while (this.ch() !== ')') {
            args.push(this.logicalNoComma());
            this.skipSpace(true);
            if (this.ch() === ',') {
              this.pos++;
              this.skipSpace(true);
            } else if (this.ch() !== ')')
              throw this.error("Missing ')' in method call.", 'MissingEndParenthesisInMethodCall');
          }
          this.pos++;
          expr = { k: 'invoke', target: expr, name, args, isStatic, e: { start, end: this.pos } };
        } else expr = { k: 'member', target: expr, name, isStatic, e: { start, end: this.pos } };
        continue;
      }
      if (c === '[' && expr.k !== 'type') {
        this.pos++;
        this.skipSpace(true);
        const index = this.expression();
        this.skipSpace(true);
        if (this.ch() !== ']')
          throw this.error('Array index expression is missing or not valid.', 'MissingArrayIndexExpression');
        this.pos++;
        expr = { k: 'index', target: expr, index, e: { start, end: this.pos } };
        continue;
      }
      return expr;
    }
  }

  /** A method argument: a full expression in which `,` separates arguments instead of making an array. */
  private logicalNoComma(): PsExpr {
    const saved = this.noComma;
    this.noComma = true;
    try {
      return this.expression();
    } finally {
      this.noComma = saved;
    }
  }

  /** Runs `f` with the comma operator enabled again (inside brackets nested in a method call). */
  private nested<T>(f: () => T): T {
    const saved = this.noComma;
    this.noComma = false;
    try {
      return f();
    } finally {
      this.noComma = saved;
    }
  }

  primary(): PsExpr {
    return this.nested(() => this.primaryInner());
  }

  private primaryInner(): PsExpr {
    const start = this.pos;
    const c = this.ch();
    if (c === '$') {
      if (this.ch(1) === '(') {
        this.pos += 2;
        const body = this.statements(')');
        this.expect(')', "Missing closing ')' in subexpression.");
        return { k: 'subexpr', body, e: { start, end: this.pos } };
      }
      return this.variable();
    }
    if (c === '@') {
      if (this.ch(1) === '(') {
        this.pos += 2;
        const body = this.statements(')');
        this.expect(')', "Missing closing ')' in subexpression.");
        return { k: 'arraysub', body, e: { start, end: this.pos } };
      }
      if (this.ch(1) === '{') {
        this.pos += 2;
        return this.hashtable(start);
      }
      if (isSq(this.ch(1)) || isDq(this.ch(1))) return this.hereString();
      throw this.error('Unrecognized token in source text.', 'UnrecognizedToken');
    }
    if (c === '(') {
      this.pos++;
      this.skipSpace(true);
      if (this.ch() === ')') throw this.error("An expression was expected after '('.", 'ExpectedExpression');
      const stmt = this.statement();
      this.skipSpace(true);
      this.expect(')', "Missing closing ')' in expression.");
      return { k: 'paren', stmt, e: { start, end: this.pos } };
    }
    if (c === '{') {
      this.pos++;
      const body = this.statements('}');
      this.expect('}', "Missing closing '}' in statement block or type definition.");
      return {
        k: 'scriptblock',
        body,
        text: this.src.slice(start + 1, this.pos - 1),
        e: { start, end: this.pos },
      };
    }
    if (isSq(c) || isDq(c)) return this.stringLiteral();
    if (c === '[') return this.cast();
    const num = /^(0x[0-9a-f]+|\d+(\.\d+)?(e[-+]?\d+)?|\.\d+)(kb|mb|gb)?(?![\w])/i.exec(
      this.src.slice(this.pos),
    );
    if (num) {
      this.pos += num[0].length;
      const mult = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(num[4] ?? '').toLowerCase() as 'kb'] ?? 1;
      const value = /^0x/i.test(num[1]!) ? Number.parseInt(num[1]!, 16) : Number(num[1]);
      return { k: 'const', value: value * mult, e: { start, end: this.pos } };
    }
    if (isDash(c) && /[0-9.]/.test(this.ch(1))) {
      this.pos++;
      const inner = this.primary();
      return { k: 'unary', op: '-', expr: inner, e: { start, end: this.pos } };
    }
    // A bareword in expression mode (a command inside parentheses is handled by statement()).
    throw this.error(`Unexpected token '${this.peekToken()}' in expression or statement.`, 'UnexpectedToken');
  }

  private expect(ch: string, message: string): void {
    this.skipSpace(true);
    if (this.ch() !== ch) throw this.error(message, 'MissingEndParenthesisInExpression');
    this.pos++;
  }

  private hashtable(start: number): PsExpr {
    const entries: Array<[PsExpr, PsStatement]> = [];
    for (;;) {
      this.skipSpace(true);
      while (this.ch() === ';') {
        this.pos++;
        this.skipSpace(true);
      }
      if (this.ch() === '}') {
        this.pos++;
        return { k: 'hash', entries, e: { start, end: this.pos } };
      }
      const keyStart = this.pos;
      let key: PsExpr;
      if (isSq(this.ch()) || isDq(this.ch())) key = this.stringLiteral();
      else if (this.ch() === '$' || this.ch() === '(') key = this.postfix(this.primary());
      else {
        const m = /^[\w.-]+/.exec(this.src.slice(this.pos));
        if (!m) throw this.error("Missing key before '=' in hash literal.", 'MissingEqualsInHashLiteral');
        this.pos += m[0].length;
        key = /^\d+$/.test(m[0])
          ? { k: 'const', value: Number(m[0]), e: { start: keyStart, end: this.pos } }
          : { k: 'const', value: m[0], e: { start: keyStart, end: this.pos } };
      }
      this.skipSpace(false);
      if (this.ch() !== '=')
        throw this.error("Missing '=' operator after key in hash literal.", 'MissingEqualsInHashLiteral');
      this.pos++;
      this.skipSpace(true);
      const value = this.statement();
      entries.push([key, value]);
      this.skipSpace(false);
      const sep = this.ch();
      if (sep === ';' || sep === '\n') this.pos++;
      else if (sep !== '}')
        throw this.error("Missing statement after '=' in hash literal.", 'MissingStatementInHashLiteral');
    }
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

  private hereString(): PsExpr {
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
    const inner = new PsParser(`"${body.replace(/"/g, '""')}"`);
    const parsed = inner.stringLiteral();
    return { ...parsed, e: { start, end: this.pos } };
  }
}

function backtick(c: string): string {
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

/** 1-based line and column of an offset, with the line's text. */
export function positionOf(source: string, offset: number): { line: number; col: number; text: string } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = source.indexOf('\n', offset);
  return {
    line,
    col: offset - lineStart + 1,
    text: source.slice(lineStart, lineEnd < 0 ? source.length : lineEnd).replace(/\r$/, ''),
  };
}
