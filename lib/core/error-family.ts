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

/**
 * The CLI's exit code for an error: `2` when the user must change something
 * before running again (usage, configuration, the stack, a refusal), `1` for a
 * failure while running that running again may get past (the remote was not
 * reachable, a task failed), and for a bug in pvecdk (`*_INTERNAL`).
 */
export type ExitCode = 1 | 2;

/** One family as the catalogue test sees it. */
export interface ErrorFamily {
  /** The `## Title` of its section in docs/errors.md. */
  readonly title: string;
  readonly codes: ErrorCodeTable;
  /** Each code's exit code, as its row in docs/errors.md says. */
  readonly exitCodes: Readonly<Record<string, ExitCode>>;
}

export interface ErrorFamilyOptions<Code extends string> {
  /** Codes of failures while running (exit 1); every other code exits 2, except `*_INTERNAL` (1). */
  readonly whileRunning?: readonly Code[];
}

const families: ErrorFamily[] = [];
const exitCodeByCode = new Map<string, ExitCode>();

/**
 * The exit code of an error code, as docs/errors.md documents it. A code no
 * family of the loaded modules defines is the user's to act on (2), unless it
 * names a bug (`*_INTERNAL`).
 */
export function exitCodeOfCode(code: string): ExitCode {
  return exitCodeByCode.get(code) ?? (code.endsWith('_INTERNAL') ? 1 : 2);
}

/** Every family defined so far (those of the modules loaded), in definition order. */
export function errorFamilies(): readonly ErrorFamily[] {
  return families;
}

/**
 * The base class of a family: its constructor takes only the family's codes.
 * Extend it to name the class (`class EngineError extends defineErrorFamily(...) {}`)
 * and, where a family carries more (an API path, a task log), to add fields.
 */
export function defineErrorFamily<const Codes extends ErrorCodeTable>(
  title: string,
  codes: Codes,
  options: ErrorFamilyOptions<keyof Codes & string> = {},
) {
  const running = new Set<string>(options.whileRunning ?? []);
  const exitCodes = Object.fromEntries(
    Object.keys(codes).map((code): [string, ExitCode] => [
      code,
      running.has(code) || code.endsWith('_INTERNAL') ? 1 : 2,
    ]),
  );
  for (const [code, exit] of Object.entries(exitCodes)) exitCodeByCode.set(code, exit);
  families.push({ title, codes, exitCodes });
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
