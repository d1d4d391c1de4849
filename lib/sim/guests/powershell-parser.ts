import type { PsElement, PsExpr, PsStatement } from './powershell-ast.ts';
import { PsCommandParser } from './powershell-command-parser.ts';
import { isDash, isDq, isSq, KEYWORDS } from './powershell-scanner.ts';

export type { PsArg, PsElement, PsExpr, PsExtent, PsStatement } from './powershell-ast.ts';

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

export function parsePowerShell(source: string): PsStatement[] {
  const p = new PsParser(source);
  const body = p.statements(undefined);
  p.skipSpace(true);
  if (!p.eof())
    throw p.error(`Unexpected token '${p.peekToken()}' in expression or statement.`, 'UnexpectedToken');
  return body;
}

class PsParser extends PsCommandParser {
  protected reparseString(text: string): PsExpr {
    return new PsParser(text).stringLiteral();
  }

  error(message: string, id: string, at = this.pos): PsParseError {
    return new PsParseError(message, at, id);
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

  protected block(what: string): PsStatement[] {
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

  protected keyword(): string | undefined {
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

  protected conditionAndBlock(what: string): { cond: PsStatement; body: PsStatement[] } {
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

  protected element(first: boolean): PsElement {
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
      const next = this.ch();
      // `& $block`, `. $block`, `& { ... }`, `& (expr)`: the command is an expression's value.
      if (next === '$' || next === '{' || next === '(') {
        const calleeStart = this.pos;
        const target = this.postfix(this.primary());
        return this.command(start, { expr: target, dot: c === '.' }, { start: calleeStart, end: this.pos });
      }
    }
    return this.command(start);
  }
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
