import { Construct } from 'constructs';
import { Stack } from './stack.ts';

export interface OutputProps {
  /** Literal data or a reference; secrets are written as references, never values. */
  readonly value: unknown;
  /**
   * What the value is, written into the plan next to it.
   * @default - none
   */
  readonly description?: string;
}

/** A named value of a stack's plan, shown after deploy (e.g. a VM's id or address). */
export class Output extends Construct {
  static isOutput(x: unknown): x is Output {
    return x instanceof Output;
  }

  readonly value: unknown;
  readonly description: string | undefined;
  readonly stack: Stack;

  constructor(scope: Construct, id: string, props: OutputProps) {
    super(scope, id);
    this.stack = Stack.of(this);
    this.value = props.value;
    this.description = props.description;
  }
}
