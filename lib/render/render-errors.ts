import { defineErrorFamily } from '../core/error-family.ts';

/**
 * Errors of the renderers (config.xml fragments, VPN profiles, scripts). A
 * renderer knows no construct: a construct calling one rethrows its error with
 * the construct path (see `inConstruct` in lib/constructs/errors.ts).
 */
export const RENDER_ERROR_CODES = {
  RENDER_INVALID_INPUT:
    'a renderer was given a value its output cannot hold (not an address, a port or a name, a line break); the field is named',
  RENDER_SECRET_MISSING: 'rendered text holds a secret marker that no value was given for',
} as const;

export type RenderErrorCode = keyof typeof RENDER_ERROR_CODES;

export class RenderError extends defineErrorFamily('Renderers', RENDER_ERROR_CODES) {}
