import { z } from 'zod';
import { Reference } from '../reference.ts';
import { SecretValue } from '../secret.ts';

/**
 * zod building blocks for resource props. Props are validated at synth (after
 * aspects ran), so a value may be a deploy-time reference wherever the plan
 * allows one.
 */

const referenceSchema = z.custom<Reference>((v) => Reference.isReference(v), {
  error: 'expected a reference created by resource.attr(...)',
});

/** A value given literally or as a reference to another resource's attribute. */
export function zRef<T extends z.ZodType>(inner: T) {
  return z.union([inner, referenceSchema]);
}

/**
 * A secret: only a SecretValue is accepted. A literal string here is the
 * mistake this exists to catch, so the message says what to write instead.
 */
export function zSecret() {
  return z.custom<SecretValue>((v) => SecretValue.isSecretValue(v), {
    error: (issue) =>
      typeof issue.input === 'string'
        ? 'expects a secret reference, not a literal string: use SecretValue.env(NAME), SecretValue.file(path) or SecretValue.generated(name)'
        : 'expects a secret reference: SecretValue.env(NAME), SecretValue.file(path) or SecretValue.generated(name)',
  });
}

/** Render zod issues as `field.path: message` lines, in the user's (camelCase) terms. */
export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map((p) => String(p)).join('.') : '(props)';
    return `${field}: ${issue.message}`;
  });
}
