/** The syntax tree the parser makes and the interpreter runs. */

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
  | {
      k: 'command';
      name: string;
      args: PsArg[];
      nameExtent: PsExtent;
      e: PsExtent;
      /** `& $block` or `. $block`: the command is what this expression gives (a script block), run in a child scope (`&`) or the current one (`.`). */
      callee?: { expr: PsExpr; dot: boolean };
    };

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
