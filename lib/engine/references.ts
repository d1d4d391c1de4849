import { isPlanReference } from '../contract/plan-values.ts';
import { EngineError } from './engine-errors.ts';
import { isPlanPublicKey } from './guest/public-key.ts';
import { unknownValue } from './unknown.ts';

/**
 * Replaces `{ref, attr}` objects by attribute values: `lookup(stack, id)`
 * gives the attributes of a resource (`stack` is the referring stack for a
 * local reference). A value not known yet becomes an Unknown marker, or
 * throws with `strict` (at apply time every reference must be known).
 */
export function resolveReferences(
  value: unknown,
  stack: string,
  lookup: (stack: string, id: string) => Readonly<Record<string, unknown>> | undefined,
  strict: boolean,
  /**
   * The public key line of a secret reference (`{"public_key": {"secret": …}}`
   * plan values); without it such a value is unknown, or refused with `strict`.
   */
  publicKeyOf?: (reference: string) => string,
): unknown {
  if (isPlanPublicKey(value)) {
    const reference = value.public_key.secret;
    if (publicKeyOf) return publicKeyOf(reference);
    if (strict)
      throw new EngineError(
        'ENGINE_NO_SECRET_STORE',
        `the public key of the secret ${reference} is needed, and this run has no secret store to read it from`,
        'deploy through the pvecdk CLI, which reads the secret store',
      );
    return unknownValue(`secret ${reference}`, 'public_key');
  }
  if (isPlanReference(value)) {
    const [refStack, id] = value.ref.includes(':')
      ? (value.ref.split(':') as [string, string])
      : [stack, value.ref];
    const found = lookup(refStack, id)?.[value.attr];
    if (found === undefined) {
      if (strict)
        throw new EngineError(
          'ENGINE_REFERENCE_UNKNOWN',
          `reference ${value.ref}.${value.attr} is not known yet`,
          `deploy stack ${refStack} first (a deploy of this stack file does it), then deploy again`,
        );
      return unknownValue(`${refStack}:${id}`, value.attr);
    }
    return found;
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, stack, lookup, strict, publicKeyOf));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveReferences(v, stack, lookup, strict, publicKeyOf)]),
    );
  }
  return value;
}
