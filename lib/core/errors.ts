import type { IConstruct } from 'constructs';
import { defineErrorFamily } from './error-family.ts';

// The base class is public (catch a PvecdkError, read its code and hint); the family helper is internal.
export { PvecdkError } from './error-family.ts';

/**
 * Errors raised while building and synthesizing a construct tree.
 *
 * Every error carries a stable `code` (documented in docs/errors.md, checked by a
 * test) so that tools and users can match on it instead of on message text.
 */
export const SYNTH_ERROR_CODES = {
  SYNTH_VALIDATION: 'the construct tree has invalid props or failed policies; every issue is listed',
  SYNTH_INVALID_PROPS:
    'a construct was given props that fail its schema or hold a value it cannot use; each field is named',
  SYNTH_INVALID_ADDRESS: 'an IPv4 address or CIDR block is malformed, or a network has host bits set',
  SYNTH_OUT_OF_RANGE:
    'a number or address lies outside what the platform allows (a customer number, an address outside its subnet)',
  SYNTH_CONFLICT: 'two constructs claim one name, role or subnet (a bridge, an alias, a 4D server name)',
  SYNTH_UNKNOWN_NAME: 'a prop names a server or node that no construct of the app defines',
  SYNTH_INVALID_CONTEXT: 'the context given to the app (PVECDK_CONTEXT) is not one JSON object',
  SYNTH_INVALID_ID: 'a construct, stack or logical id uses characters the plan cannot hold',
  SYNTH_DUPLICATE_LOGICAL_ID: 'two resources of one stack would get the same logical id',
  SYNTH_STACK_CYCLE: 'stacks depend on each other in a cycle',
  SYNTH_FOREIGN_REFERENCE: 'a reference points at a resource of another app',
  SYNTH_UNRESOLVABLE_VALUE:
    'a property holds a value the plan cannot express (function, class instance, NaN)',
  SYNTH_NOT_IN_STACK: 'a resource was created outside of any stack',
  SYNTH_INVALID_SECRET: 'a secret reference is malformed (bad variable name, empty path)',
  SYNTH_INVALID_IDENTITIES: 'pvecdk.identities.json is not valid JSON of the identity record',
  SYNTH_IDENTITIES_FROZEN: 'with --frozen, synthesis would have changed pvecdk.identities.json',
  SYNTH_POOL_EXHAUSTED: 'every value of an identity pool (VM ids, addresses, tunnel addresses) is taken',
  SYNTH_POLICY: 'a security rule of the platform found a violation; the rule id (PVECDK-...) comes with it',
  SYNTH_UNKNOWN_RULE: 'an acknowledgement names a rule id that no policy rule of the app has',
  SYNTH_UNUSED_ACKNOWLEDGEMENT: 'an acknowledgement is placed where its rule finds nothing to accept',
  SYNTH_CONSTRUCT_ERROR:
    'a construct reported an error with no more specific code (node.addValidation, Annotations.addError)',
} as const;

export type SynthErrorCode = keyof typeof SYNTH_ERROR_CODES;

export class SynthError extends defineErrorFamily('Synthesis', SYNTH_ERROR_CODES) {}

/**
 * A mistake in one construct: the message starts with its path, and
 * `constructPath` holds it for tools. Helpers that know no construct (address
 * arithmetic, renderers) throw unscoped errors; the construct calling them
 * rethrows them as this (see `inConstruct` in lib/constructs/errors.ts).
 */
export class ConstructError extends SynthError {
  readonly constructPath: string;

  constructor(
    scope: IConstruct | string,
    code: SynthErrorCode,
    message: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    const path = typeof scope === 'string' ? scope : scope.node.path;
    super(code, `${path || '<app>'}: ${message}`, hint, options);
    this.constructPath = path;
  }
}
