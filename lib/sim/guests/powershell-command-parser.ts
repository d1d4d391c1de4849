import type { PsArg, PsElement, PsExpr } from './powershell-ast.ts';
import { PsExpressionParser } from './powershell-expression-parser.ts';
import { isDash, isDq, isSq } from './powershell-scanner.ts';

/**
 * Commands in argument mode: the command name (a bareword, a quoted string,
 * or after `&`/`.` an expression giving a script block), then `-Param`,
 * `-Param:value`, barewords and comma lists as its arguments.
 */
export abstract class PsCommandParser extends PsExpressionParser {
  protected command(
    start: number,
    callee?: { expr: PsExpr; dot: boolean },
    calleeExtent?: { start: number; end: number },
  ): PsElement {
    const nameStart = this.pos;
    let name: string;
    if (callee && calleeExtent) name = this.src.slice(calleeExtent.start, calleeExtent.end);
    else if (isSq(this.ch()) || isDq(this.ch())) {
      const s = this.stringLiteral();
      name = s.k === 'const' ? String(s.value) : '';
    } else name = this.genericToken();
    if (!name)
      throw this.error(
        `Unexpected token '${this.peekToken()}' in expression or statement.`,
        'UnexpectedToken',
      );
    const nameExtent = calleeExtent ?? { start: nameStart, end: this.pos };
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
    return {
      k: 'command',
      name,
      args,
      nameExtent,
      e: { start, end: this.pos },
      ...(callee ? { callee } : {}),
    };
  }

  /** A command argument: an expression-like value or a bareword, with `,` making an array. */
  protected argumentValue(): PsExpr {
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

  protected singleArgument(): PsExpr {
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
}
