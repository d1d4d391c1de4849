import { Matcher } from './matcher.ts';

/** One place where the actual value differs from the pattern. */
export interface MatchFailure {
  /** JSON-pointer-like path from the matched root, e.g. `/network_device/1/bridge`. */
  readonly path: readonly string[];
  readonly message: string;
}

/** The outcome of matching: every failure, so the report shows all differences at once. */
export class MatchResult {
  private readonly list: MatchFailure[] = [];

  constructor(readonly target: unknown) {}

  fail(path: readonly string[], message: string): this {
    this.list.push({ path, message });
    return this;
  }

  /** Adopt the failures of a nested match, prefixed with the key that led there. */
  compose(key: string, inner: MatchResult): this {
    for (const f of inner.failures) this.list.push({ path: [key, ...f.path], message: f.message });
    return this;
  }

  get failures(): readonly MatchFailure[] {
    return this.list;
  }

  get isSuccess(): boolean {
    return this.list.length === 0;
  }

  /** `/a/b: message` lines. */
  toLines(): string[] {
    return this.list.map((f) => `${f.path.length ? `/${f.path.join('/')}` : '/'}: ${f.message}`);
  }
}

/** A short, readable rendering of a value for messages; matchers show as `<name>`. */
export function show(value: unknown, max = 80): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) => (Matcher.isMatcher(v) ? `<${v.name}>` : v)) ??
      String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
