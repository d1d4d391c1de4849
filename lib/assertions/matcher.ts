import type { MatchResult } from './match-result.ts';

const MATCHER = Symbol.for('pvecdk.assertions.Matcher');

/** Something that decides whether a value matches, and says where it does not. */
export abstract class Matcher {
  static isMatcher(x: unknown): x is Matcher {
    return typeof x === 'object' && x !== null && MATCHER in x;
  }

  /** Used in messages, e.g. `objectLike`. */
  abstract readonly name: string;

  constructor() {
    Object.defineProperty(this, MATCHER, { value: true });
  }

  abstract test(actual: unknown): MatchResult;
}
