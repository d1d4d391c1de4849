import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import { Annotations } from '../../core/annotations.ts';
import { ConstructError, PvecdkError, SynthError } from '../../core/errors.ts';
import { type PropIssue, propIssues } from './prop-issues.ts';

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
  const result = checkProps(schema, props);
  if (result.ok) return result.data;
  const lines = result.issues.map((i) => `  ${i.message}`);
  const hints = result.issues.flatMap((i) => (i.hint ? [i.hint] : []));
  throw new ConstructError(
    path,
    'SYNTH_INVALID_PROPS',
    `invalid ${what} props:\n${lines.join('\n')}`,
    hints.length ? hints.join('; ') : `check the props passed to ${what}`,
  );
}

/**
 * Props checked against a construct's zod schema without throwing: the parsed
 * props, or every field's problem (value shown, closest known key suggested).
 */
export function checkProps<T extends z.ZodType>(
  schema: T,
  props: unknown,
): { ok: true; data: z.infer<T> } | { ok: false; issues: PropIssue[] } {
  const result = schema.safeParse(props);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: propIssues(schema, props, result.error.issues) };
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

/**
 * Runs one part of building a construct from the user's props (a server, a
 * user). A mistake it raises (a coded error) is recorded as an error on
 * `scope`, prefixed with the prop it comes from, and `undefined` is returned:
 * the construct goes on with its other parts, and synth reports every mistake
 * of the run at once. What the failed part had made below `scope` as a child
 * named `child` is removed, so no half-built part is reported on too. Anything
 * not coded (a bug) is rethrown.
 */
export function collecting<T>(
  scope: IConstruct,
  where: string | undefined,
  run: () => T,
  child?: string,
): T | undefined {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof PvecdkError)) throw e;
    if (child !== undefined) scope.node.tryRemoveChild(child);
    const code = e instanceof SynthError ? e.code : 'SYNTH_INVALID_PROPS';
    const own = e instanceof ConstructError ? `${e.constructPath || '<app>'}: ` : '';
    const message = own && e.message.startsWith(own) ? e.message.slice(own.length) : e.message;
    Annotations.of(scope).addError(where ? `${where}: ${message}` : message, {
      code,
      ...(e.hint ? { hint: e.hint } : {}),
    });
    return undefined;
  }
}
