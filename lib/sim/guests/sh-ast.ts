/** The syntax tree the emulated sh runs: words and their parts, redirections, commands, pipelines, lists; and the syntax error. */

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
