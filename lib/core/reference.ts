import type { Resource } from './resource.ts';

const REFERENCE_SYMBOL = Symbol.for('pvecdk.Reference');

/** The plan form of a reference: `{"ref": "<logicalId>" | "<stack>:<logicalId>", "attr": "vm_id"}`. */
export interface ReferenceJson {
  /** The target's logical id, prefixed with `<stack>:` when it lives in another stack. */
  readonly ref: string;
  /** The attribute of the target, in the plan's snake_case (`vm_id`). */
  readonly attr: string;
}

/**
 * A value known only at deploy time: an attribute of another resource. It can
 * stand wherever a property accepts a reference; synthesis turns it into a
 * `{ref, attr}` object and records the dependency it implies.
 */
export class Reference {
  static isReference(x: unknown): x is Reference {
    return typeof x === 'object' && x !== null && REFERENCE_SYMBOL in x;
  }

  readonly target: Resource;
  readonly attr: string;

  constructor(target: Resource, attr: string) {
    this.target = target;
    this.attr = attr;
    Object.defineProperty(this, REFERENCE_SYMBOL, { value: true });
  }

  toString(): string {
    return `\${${this.target.node.path}.${this.attr}}`;
  }
}

/** A property that may be given literally or as a reference to another resource's attribute. */
export type Ref<T> = T | Reference;
