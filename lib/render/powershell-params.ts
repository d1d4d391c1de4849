import { psQuote } from './powershell.ts';
import { RenderError } from './render-errors.ts';

/**
 * A script's parameters as one PowerShell literal read into `$p` (a
 * hashtable: `$p.user`, `$p.rules`): the script body is fixed text per kind
 * (reviewed once, parsed by a PowerShell grammar in the tests) and only data
 * varies, each string single-quoted, so no value is ever spliced into code.
 * A literal rather than JSON: it needs no ConvertFrom-Json. The first line
 * names the kind (`# pvecdk rds-user: converge`), for logs and for the tests'
 * fake guest.
 */
export function psParams(kind: string, params: Readonly<Record<string, unknown>>): string[] {
  return [`# pvecdk ${kind}`, `$p = ${psLiteral(params)}`];
}

/** A JSON-like value as a PowerShell expression: strings quoted, lists `@(...)`, objects `@{...}`. */
export function psLiteral(value: unknown): string {
  if (value === null || value === undefined) return '$null';
  if (typeof value === 'string') return psQuote(value);
  if (typeof value === 'boolean') return value ? '$true' : '$false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return `@(${value.map(psLiteral).join(', ')})`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    for (const [k] of entries)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new RenderError('RENDER_INVALID_INPUT', `psLiteral: '${k}' is not a parameter name`);
    return `@{ ${entries.map(([k, v]) => `${k} = ${psLiteral(v)}`).join('; ')} }`;
  }
  throw new RenderError(
    'RENDER_INVALID_INPUT',
    `psLiteral: a ${typeof value} has no PowerShell literal here`,
  );
}
