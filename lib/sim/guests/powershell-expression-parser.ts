import type { PsExpr, PsStatement } from './powershell-ast.ts';
import { COMPARISON, isDash, isDq, isSq, LOGICAL, PsScanner } from './powershell-scanner.ts';

/**
 * The expression grammar, by PowerShell's precedence: `-and/-or` <
 * comparisons < `+ -` < `* / %` < `-f` < unary < `,` < casts < member access,
 * method calls and indexing; primaries (literals, `@()`, `$()`, `@{}`, `{}`).
 */
export abstract class PsExpressionParser extends PsScanner {
  abstract pipelineStatement(): PsStatement;
  abstract statement(): PsStatement;

  expression(): PsExpr {
    return this.logical();
  }

  /** `-op` at the cursor (after blanks), when it is one of `ops`. */
  protected operator(ops: Set<string>): string | undefined {
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

  protected logical(): PsExpr {
    const start = this.pos;
    let left = this.comparison();
    for (;;) {
      const op = this.operator(LOGICAL);
      if (!op) return left;
      const right = this.comparison();
      left = { k: 'binary', op, left, right, e: { start, end: this.pos } };
    }
  }

  protected comparison(): PsExpr {
    const start = this.pos;
    let left = this.additive();
    for (;;) {
      const op = this.operator(COMPARISON);
      if (!op) return left;
      const right = this.additive();
      left = { k: 'binary', op, left, right, e: { start, end: this.pos } };
    }
  }

  protected additive(): PsExpr {
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

  protected multiplicative(): PsExpr {
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

  protected format(): PsExpr {
    const start = this.pos;
    let left = this.unary();
    for (;;) {
      const op = this.operator(new Set(['f']));
      if (!op) return left;
      const right = this.unary();
      left = { k: 'binary', op: 'f', left, right, e: { start, end: this.pos } };
    }
  }

  protected unary(): PsExpr {
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

  protected comma(): PsExpr {
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

  protected cast(): PsExpr {
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

  protected typeName(): string {
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
  protected logicalNoComma(): PsExpr {
    const saved = this.noComma;
    this.noComma = true;
    try {
      return this.expression();
    } finally {
      this.noComma = saved;
    }
  }

  /** Runs `f` with the comma operator enabled again (inside brackets nested in a method call). */
  protected nested<T>(f: () => T): T {
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

  protected primaryInner(): PsExpr {
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

  protected expect(ch: string, message: string): void {
    this.skipSpace(true);
    if (this.ch() !== ch) throw this.error(message, 'MissingEndParenthesisInExpression');
    this.pos++;
  }

  protected hashtable(start: number): PsExpr {
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
}
