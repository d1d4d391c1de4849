import { PvecdkError } from '../../core/errors.ts';

/**
 * `error` with the resource's plan path in front, so a deploy report says
 * which resource failed; its code and hint are kept, or `hint` replaces the
 * hint with what to do in this resource's terms.
 */
export function atResource(path: string, error: unknown, hint?: string): Error {
  if (error instanceof PvecdkError) {
    const own = error.hint ? error.message.slice(0, -`\n  hint: ${error.hint}`.length) : error.message;
    return Object.assign(new PvecdkError(error.code, `${path}: ${own}`, hint ?? error.hint), {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${path}: ${message}${hint ? `\n  hint: ${hint}` : ''}`, { cause: error });
}
