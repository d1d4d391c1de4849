import { z } from 'zod';

/**
 * The two token forms a plan's properties may hold besides plain JSON: a
 * reference to another resource's attribute, resolved by the engine at
 * deploy, and a secret reference, resolved only where the secret is used.
 */

/** `{"ref": "<logicalId>" | "<stack>:<logicalId>", "attr": "<name>"}`. */
export interface PlanReference {
  readonly ref: string;
  readonly attr: string;
}

/** `{"secret": "env:NAME" | "file:path" | "generated:name"}`. */
export interface PlanSecret {
  readonly secret: string;
}

export const PlanReferenceSchema = z.strictObject({
  ref: z.string().regex(/^([A-Za-z][A-Za-z0-9-]{0,62}:)?[A-Za-z][A-Za-z0-9_-]{0,254}$/, 'a logical id'),
  attr: z.string().regex(/^[a-z][a-z0-9_]*$/, 'an attribute name in snake_case'),
});

export const SECRET_REFERENCE =
  /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|generated:[A-Za-z0-9][A-Za-z0-9._/-]*)$/;

const SECRET_HELP = 'SecretValue.env(NAME), SecretValue.file(path) or SecretValue.generated(name)';

export const PlanSecretSchema = z.strictObject(
  {
    secret: z.string().regex(SECRET_REFERENCE, 'env:NAME, file:path or generated:name'),
  },
  {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `expects a secret reference, not a literal string: use ${SECRET_HELP}`
        : `expects a secret reference: ${SECRET_HELP}`,
  },
);

export function isPlanReference(v: unknown): v is PlanReference {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length === 2 &&
    typeof (v as { ref?: unknown }).ref === 'string' &&
    typeof (v as { attr?: unknown }).attr === 'string'
  );
}

export function isPlanSecret(v: unknown): v is PlanSecret {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { secret?: unknown }).secret === 'string'
  );
}
