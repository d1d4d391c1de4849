import { psQuote } from './powershell.ts';

/**
 * A script's parameters as one JSON literal read into `$p`: the script body
 * is fixed text per kind (reviewed once, parsed by a PowerShell grammar in
 * the tests) and only data varies, so no value is ever spliced into code.
 * The first line names the kind (`# pvecdk rds-user: converge`), for logs and
 * for the tests' fake guest.
 */
export function psParams(kind: string, params: Readonly<Record<string, unknown>>): string[] {
  return [`# pvecdk ${kind}`, `$p = ${psQuote(JSON.stringify(params))} | ConvertFrom-Json`];
}
