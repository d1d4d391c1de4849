import { matchLike } from './match.ts';
import { MatchResult, show } from './match-result.ts';
import { Matcher } from './matcher.ts';

/**
 * Matches anything (or what an inner pattern matches) and remembers the
 * values it saw, for assertions that need the actual value afterwards.
 *
 * Its errors are plain `Error`s on purpose: they are test failures, read in a
 * test runner's report, where a code would add nothing to match on.
 */
export class Capture extends Matcher {
  readonly name = 'capture';
  private readonly values: unknown[] = [];
  private index = 0;

  constructor(private readonly pattern?: unknown) {
    super();
  }

  test(actual: unknown): MatchResult {
    const result = new MatchResult(actual);
    if (actual === undefined) return result.fail([], 'expected a value to capture, got undefined');
    if (this.pattern !== undefined) {
      const inner = matchLike(this.pattern, actual);
      if (!inner.isSuccess) return inner;
    }
    this.values.push(actual);
    return result;
  }

  /** Move to the next captured value; false when there is none. */
  next(): boolean {
    if (this.index + 1 >= this.values.length) return false;
    this.index += 1;
    return true;
  }

  asString(): string {
    return this.typed('string') as string;
  }

  asNumber(): number {
    return this.typed('number') as number;
  }

  asBoolean(): boolean {
    return this.typed('boolean') as boolean;
  }

  asArray(): unknown[] {
    const v = this.current();
    if (!Array.isArray(v)) throw new Error(`Capture: captured value is not an array: ${show(v)}`);
    return v;
  }

  asObject(): Record<string, unknown> {
    const v = this.current();
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error(`Capture: captured value is not an object: ${show(v)}`);
    return v as Record<string, unknown>;
  }

  private current(): unknown {
    if (this.values.length === 0)
      throw new Error('Capture: nothing was captured (did the assertion using it run and pass?)');
    return this.values[this.index];
  }

  private typed(type: string): unknown {
    const v = this.current();
    if (typeof v !== type) throw new Error(`Capture: captured value is not a ${type}: ${show(v)}`);
    return v;
  }
}
