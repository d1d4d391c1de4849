import { PvecdkError } from '../../core/errors.ts';

/**
 * `error` with the resource's plan path in front, so a deploy report says
 * which resource failed; its code and hint are kept, or `hint` replaces the
 * hint with what to do in this resource's terms. An error without a code
 * (a file system error, say) stays without one, and carries the hint as a
 * field all the same.
 */
export function atResource(path: string, error: unknown, hint?: string): Error {
  if (error instanceof PvecdkError) {
    return new PvecdkError(error.code, `${path}: ${error.message}`, hint ?? error.hint, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(`${path}: ${message}`, { cause: error }), hint ? { hint } : {});
}
