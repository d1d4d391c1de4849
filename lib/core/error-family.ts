/**
 * The base of every error pvecdk raises on purpose, and the one helper that
 * defines an error family (Synthesis, Engine, SSH...) from its code table.
 *
 * Each family documents its codes in docs/errors.md under its title; a test
 * finds every family defined with `defineErrorFamily` and checks the catalogue
 * against it word for word, so a family cannot be forgotten.
 */

/** `CODE: what it means`, in the words docs/errors.md uses. */
export type ErrorCodeTable = Readonly<Record<string, string>>;

/**
 * An error with a stable `code` to match on and a `hint` of what to do. The
 * hint is kept out of `message`: the CLI (or any other front end) decides how
 * to show the two together.
 */
export class PvecdkError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** One family as the catalogue test sees it. */
export interface ErrorFamily {
  /** The `## Title` of its section in docs/errors.md. */
  readonly title: string;
  readonly codes: ErrorCodeTable;
}

const families: ErrorFamily[] = [];

/** Every family defined so far (those of the modules loaded), in definition order. */
export function errorFamilies(): readonly ErrorFamily[] {
  return families;
}

/**
 * The base class of a family: its constructor takes only the family's codes.
 * Extend it to name the class (`class EngineError extends defineErrorFamily(...) {}`)
 * and, where a family carries more (an API path, a task log), to add fields.
 */
export function defineErrorFamily<const Codes extends ErrorCodeTable>(title: string, codes: Codes) {
  families.push({ title, codes });
  return class FamilyError extends PvecdkError {
    declare readonly code: keyof Codes & string;

    constructor(code: keyof Codes & string, message: string, hint?: string, options?: ErrorOptions) {
      super(code, message, hint, options);
    }
  };
}

/** What a report or a front end shows of anything thrown: its text, and its code and hint when it has them. */
export interface ThrownSummary {
  readonly message: string;
  readonly code?: string;
  readonly hint?: string;
}

/**
 * The message, code and hint of a thrown value. A plain `Error` may carry a
 * `hint` too (a handler adds what to do to an error it did not raise).
 */
export function summarizeThrown(thrown: unknown): ThrownSummary {
  if (!(thrown instanceof Error)) return { message: String(thrown) };
  const { hint } = thrown as { hint?: unknown };
  return {
    message: thrown.message,
    ...(thrown instanceof PvecdkError ? { code: thrown.code } : {}),
    ...(typeof hint === 'string' && hint !== '' ? { hint } : {}),
  };
}
