import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import { ConstructError, PvecdkError, SynthError } from '../../core/errors.ts';

/**
 * Validates construct props with zod at construction, so a wrong value fails
 * with the construct path and the field, before anything is derived from it.
 */
export function parseProps<T extends z.ZodType>(
  schema: T,
  props: unknown,
  path: string,
  what: string,
): z.infer<T> {
  const result = schema.safeParse(props);
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (i) => `  ${i.path.map(String).join('.') || '(props)'}: ${i.message}`,
  );
  throw new ConstructError(
    path,
    'SYNTH_INVALID_PROPS',
    `invalid ${what} props:\n${lines.join('\n')}`,
    `check the props passed to ${what}`,
  );
}

/** A zod refinement wrapper for checks written as functions that throw with a message. */
export function checked<T>(check: (value: T) => void) {
  return (value: T, ctx: z.RefinementCtx): void => {
    try {
      check(value);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  };
}

/**
 * Runs a helper that knows no construct (address arithmetic, a renderer) for
 * `scope`: a coded error it throws is rethrown scoped to the construct, with
 * its code when it is a synthesis code and SYNTH_INVALID_PROPS otherwise (a
 * renderer refusing a value means the construct was given one it cannot use).
 * Its hint is kept; the original error is the cause.
 */
export function inConstruct<T>(scope: IConstruct, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof PvecdkError) || e instanceof ConstructError) throw e;
    const code = e instanceof SynthError ? e.code : 'SYNTH_INVALID_PROPS';
    throw new ConstructError(scope, code, e.message, e.hint, { cause: e });
  }
}
