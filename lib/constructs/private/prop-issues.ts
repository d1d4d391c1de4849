import type { z } from 'zod';
import { closestKey } from '../../core/private/closest-name.ts';
import { knownKeysAt } from '../../core/private/schema-keys.ts';
import { shownAfterField, valueAt } from '../../core/private/shown-value.ts';

/** One field of a construct's props that fails its schema, in the user's terms. */
export interface PropIssue {
  /** The field as the user wrote it: `servers[0].memoryMiB`, or `(props)` for the whole object. */
  readonly field: string;
  /** `field = value: what is wrong` (the value left out when it may be secret). */
  readonly message: string;
  /**
   * What to write instead, when there is a likely fix (`did you mean memoryMiB?`).
   * @default - none
   */
  readonly hint?: string;
}

/**
 * The problems of `props` against a construct's zod schema, one per field: the
 * value the user gave is shown (unless the field may hold a secret), and a key
 * the schema does not know gets the closest known key as a suggestion.
 */
export function propIssues(
  schema: z.ZodType,
  props: unknown,
  issues: readonly z.core.$ZodIssue[],
): PropIssue[] {
  return issues.flatMap((issue): PropIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => unknownKey([...issue.path, key], key, known));
    }
    const field = fieldName(issue.path);
    const shown = shownAfterField(issue.path, valueAt(props, issue.path), issue.message);
    return [{ field, message: `${field}${shown}: ${issue.message}` }];
  });
}

function unknownKey(path: readonly PropertyKey[], key: string, known: readonly string[]): PropIssue {
  const field = fieldName(path);
  const close = closestKey(key, known);
  if (close)
    return { field, message: `${field}: no such prop; did you mean ${close}?`, hint: `write ${close}` };
  const list = known.length ? ` (known: ${[...known].sort().join(', ')})` : '';
  return { field, message: `${field}: no such prop${list}`, hint: `remove ${key}` };
}

/** `servers[0].memoryMiB` from zod's `['servers', 0, 'memoryMiB']`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(props)';
}
