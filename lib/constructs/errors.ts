import type { z } from 'zod';
import { SynthError } from '../core/errors.ts';

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
  throw new SynthError(
    'SYNTH_VALIDATION',
    `[${path}] invalid ${what} props:\n${lines.join('\n')}`,
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
