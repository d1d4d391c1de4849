import { MatchResult, show } from './match-result.ts';
import { Matcher } from './matcher.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Matcher.isMatcher(v);

/**
 * How a literal inside a pattern is matched: objects partially (extra keys
 * allowed) under objectLike, exactly under objectEquals; arrays always
 * element by element with the same length; everything else by equality.
 */
class LiteralMatch extends Matcher {
  readonly name = 'literal';

  constructor(
    private readonly pattern: unknown,
    private readonly partialObjects: boolean,
  ) {
    super();
  }

  test(actual: unknown): MatchResult {
    return matchValue(this.pattern, actual, this.partialObjects);
  }
}

function matchValue(pattern: unknown, actual: unknown, partialObjects: boolean): MatchResult {
  if (Matcher.isMatcher(pattern)) return pattern.test(actual);
  const result = new MatchResult(actual);
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return result.fail([], `expected an array, got ${show(actual)}`);
    if (pattern.length !== actual.length) {
      result.fail(
        [],
        `expected an array of ${pattern.length} elements, got ${actual.length}: ${show(actual)}`,
      );
    }
    pattern.forEach((p, i) => {
      if (i < actual.length) result.compose(String(i), matchValue(p, actual[i], partialObjects));
    });
    return result;
  }
  if (isPlainObject(pattern)) {
    if (!isPlainObject(actual)) return result.fail([], `expected an object, got ${show(actual)}`);
    for (const [key, p] of Object.entries(pattern)) {
      if (Matcher.isMatcher(p) && p.name === 'absent') {
        result.compose(key, p.test(actual[key]));
        continue;
      }
      if (!(key in actual)) {
        result.fail([key], `missing (expected ${show(p)})`);
        continue;
      }
      result.compose(key, matchValue(p, actual[key], partialObjects));
    }
    if (!partialObjects) {
      for (const key of Object.keys(actual)) {
        if (!(key in pattern)) result.fail([key], `unexpected key (value ${show(actual[key])})`);
      }
    }
    return result;
  }
  if (pattern !== actual) result.fail([], `expected ${show(pattern)}, got ${show(actual)}`);
  return result;
}

class ObjectMatch extends Matcher {
  constructor(
    readonly name: string,
    private readonly pattern: Record<string, unknown>,
    private readonly partial: boolean,
  ) {
    super();
  }

  test(actual: unknown): MatchResult {
    return matchValue(this.pattern, actual, this.partial);
  }
}

/** An ordered subsequence: each pattern element matches a later element of the array than the previous one. */
class ArrayWithMatch extends Matcher {
  readonly name = 'arrayWith';

  constructor(private readonly pattern: readonly unknown[]) {
    super();
  }

  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (!Array.isArray(actual)) return result.fail([], `expected an array, got ${show(actual)}`);
    let from = 0;
    for (const [i, p] of this.pattern.entries()) {
      let found = -1;
      for (let j = from; j < actual.length; j++) {
        if (matchValue(p, actual[j], true).isSuccess) {
          found = j;
          break;
        }
      }
      if (found < 0) {
        return result.fail(
          [],
          `no element (after index ${from - 1}) matches pattern element ${i}: ${show(p)}; array is ${show(actual, 200)}`,
        );
      }
      from = found + 1;
    }
    return result;
  }
}

class AnyValueMatch extends Matcher {
  readonly name = 'anyValue';
  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (actual === undefined || actual === null) result.fail([], `expected any value, got ${show(actual)}`);
    return result;
  }
}

class AbsentMatch extends Matcher {
  readonly name = 'absent';
  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (actual !== undefined) result.fail([], `expected to be absent, got ${show(actual)}`);
    return result;
  }
}

class RegexpMatch extends Matcher {
  readonly name = 'stringLikeRegexp';
  constructor(private readonly pattern: RegExp) {
    super();
  }
  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (typeof actual !== 'string')
      return result.fail([], `expected a string matching ${this.pattern}, got ${show(actual)}`);
    if (!this.pattern.test(actual))
      result.fail([], `expected a string matching ${this.pattern}, got ${show(actual)}`);
    return result;
  }
}

class NotMatch extends Matcher {
  readonly name = 'not';
  constructor(private readonly pattern: unknown) {
    super();
  }
  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (matchValue(this.pattern, actual, true).isSuccess) {
      result.fail([], `expected not to match ${show(this.pattern)}, got ${show(actual)}`);
    }
    return result;
  }
}

class SerializedJsonMatch extends Matcher {
  readonly name = 'serializedJson';
  constructor(private readonly pattern: unknown) {
    super();
  }
  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (typeof actual !== 'string') return result.fail([], `expected a JSON string, got ${show(actual)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(actual);
    } catch {
      return result.fail([], `expected a JSON string, got ${show(actual)}`);
    }
    return result.compose('(json)', matchValue(this.pattern, parsed, false));
  }
}

/** Patterns for Template assertions. */
export const Match = {
  /** Deep partial match: the object may have more keys; nested literal objects match partially too. */
  objectLike: (pattern: Record<string, unknown>): Matcher => new ObjectMatch('objectLike', pattern, true),
  /** Exactly these keys, deeply (unless a nested matcher says otherwise). */
  objectEquals: (pattern: Record<string, unknown>): Matcher =>
    new ObjectMatch('objectEquals', pattern, false),
  /** The array contains elements matching these patterns, in this order (others may be between). */
  arrayWith: (pattern: readonly unknown[]): Matcher => new ArrayWithMatch(pattern),
  /** Exactly these elements, in order, each matched exactly. */
  arrayEquals: (pattern: readonly unknown[]): Matcher => new LiteralMatch([...pattern], false),
  /** The value deeply equals the pattern: no extra keys anywhere. */
  exact: (pattern: unknown): Matcher => new LiteralMatch(pattern, false),
  /** Any value other than undefined or null. */
  anyValue: (): Matcher => new AnyValueMatch(),
  /** The key is not there. */
  absent: (): Matcher => new AbsentMatch(),
  stringLikeRegexp: (pattern: string | RegExp): Matcher =>
    new RegexpMatch(typeof pattern === 'string' ? new RegExp(pattern) : pattern),
  not: (pattern: unknown): Matcher => new NotMatch(pattern),
  /** A string holding JSON that matches the pattern exactly. */
  serializedJson: (pattern: unknown): Matcher => new SerializedJsonMatch(pattern),
};

/** Match with objects partial by default (objectLike semantics), as hasResourceProperties does. */
export function matchLike(pattern: unknown, actual: unknown): MatchResult {
  return matchValue(pattern, actual, true);
}
