/**
 * Errors raised while building and synthesizing a construct tree.
 *
 * Every error carries a stable `code` (documented in docs/errors.md, checked by a
 * test) so that tools and users can match on it instead of on message text.
 */
export const SYNTH_ERROR_CODES = {
  SYNTH_VALIDATION: 'the construct tree has invalid props or failed policies; every issue is listed',
  SYNTH_INVALID_ID: 'a construct, stack or logical id uses characters the plan cannot hold',
  SYNTH_DUPLICATE_LOGICAL_ID: 'two resources of one stack would get the same logical id',
  SYNTH_STACK_CYCLE: 'stacks depend on each other in a cycle',
  SYNTH_FOREIGN_REFERENCE: 'a reference points at a resource of another app',
  SYNTH_UNRESOLVABLE_VALUE:
    'a property holds a value the plan cannot express (function, class instance, NaN)',
  SYNTH_NOT_IN_STACK: 'a resource was created outside of any stack',
  SYNTH_INVALID_SECRET: 'a secret reference is malformed (bad variable name, empty path)',
} as const;

export type SynthErrorCode = keyof typeof SYNTH_ERROR_CODES;

/** Base of every error pvecdk raises on purpose: a stable code and a hint of what to do. */
export class PvecdkError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
    this.name = 'PvecdkError';
    this.code = code;
    this.hint = hint;
  }
}

export class SynthError extends PvecdkError {
  constructor(code: SynthErrorCode, message: string, hint?: string) {
    super(code, message, hint);
    this.name = 'SynthError';
  }
}
