import { RenderError } from './render-errors.ts';

/**
 * PowerShell text building blocks. Values are only ever placed in
 * single-quoted strings (where nothing is interpreted and `'` is written
 * `''`), and scripts run as `-EncodedCommand` (base64 of UTF-16LE), so no
 * value can break out of its quotes or the command line.
 */
export function psQuote(value: string): string {
  if (/[\0\r\n]/.test(value))
    // The value itself is not shown: it may be a secret.
    throw new RenderError(
      'RENDER_INVALID_INPUT',
      'psQuote: a value holds a line break or NUL character, which a single-quoted PowerShell string cannot',
      'pass multi-line data on stdin instead of in the script',
    );
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, "''")}'`;
}

/** `-EncodedCommand` argument for a script. */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodePowerShell(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

/** The full command line the engine runs over SSH. */
export function powershellCommand(script: string): string {
  return `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encodePowerShell(script)}`;
}

/** A script preamble: stop on the first error, so a half-done change is reported, not ignored. */
export const PS_PREAMBLE = [
  "$ErrorActionPreference = 'Stop'",
  'Set-StrictMode -Version 3.0',
  '$changed = $false',
];

/** The last line: tells the engine whether anything changed (idempotence is checked on re-run). */
export const PS_EPILOGUE = [
  "if ($changed) { Write-Output 'pvecdk:changed' } else { Write-Output 'pvecdk:unchanged' }",
];
