import { relative, sep } from 'node:path';
import { type ExitCode, exitCodeOfCode, PvecdkError, summarizeThrown } from '../../core/error-family.ts';
import { ConstructError } from '../../core/errors.ts';
import {
  formatIssue,
  type SourceLocation,
  ValidationError,
  type ValidationIssue,
} from '../../core/validation.ts';
import { StackFileError } from '../errors.ts';
import { type Palette, PLAIN } from './colour.ts';

/**
 * How the CLI shows an error. Errors keep message, code and hint apart; this
 * is the one place where they are put together: the hint on its own line
 * under the message, each validation issue with its own hint.
 */
export function formatError(e: unknown, debug: boolean, palette: Palette = PLAIN): string {
  if (e instanceof PvecdkError) {
    const issues = issuesOf(e);
    const body = issues
      ? [e.message.split('\n')[0]!, ...issues.map(formatIssueWithHint)].join('\n')
      : e.message;
    return `${palette.failed(`error ${e.code}:`)} ${body}${hintLine(e.hint)}${debug && e.stack ? `\n\n${e.stack}` : ''}`;
  }
  const { message } = summarizeThrown(e);
  const stack = e instanceof Error ? e.stack : undefined;
  return `${palette.failed('internal error:')} ${message}\n  this is a bug in pvecdk; please report it with the output of --debug${
    debug && stack ? `\n\n${stack}` : ''
  }`;
}

/**
 * A thrown error's exit code, as docs/errors.md gives it for its code: 2 for
 * what the user must change, 1 for a failure while running; 1 for anything
 * without a code (a bug).
 */
export function exitCodeOf(e: unknown): ExitCode {
  return e instanceof PvecdkError ? exitCodeOfCode(e.code) : 1;
}

/** `--json`: the error as one JSON object, code, message and hint as separate fields. */
export function errorAsJson(e: unknown): Record<string, unknown> {
  if (!(e instanceof PvecdkError))
    return { type: 'error', internal: true, message: summarizeThrown(e).message };
  const located = e instanceof StackFileError ? e : undefined;
  const constructPath = located?.constructPath ?? (e instanceof ConstructError ? e.constructPath : undefined);
  const issues = issuesOf(e);
  return {
    type: 'error',
    code: e.code,
    message: e.message,
    ...(e.hint ? { hint: e.hint } : {}),
    ...(constructPath !== undefined ? { constructPath } : {}),
    ...(located?.location ? { location: located.location } : {}),
    ...(issues ? { issues: issues.map(issueAsJson) } : {}),
  };
}

/** An issue for `--json`: its location as `file:line` relative to the working directory. */
function issueAsJson(issue: ValidationIssue): Record<string, unknown> {
  const { location, ...rest } = issue;
  return { ...rest, ...(location ? { location: shownLocation(location) } : {}) };
}

/** `stacks/acme.ts:5`: a location in the user's code, relative to the working directory. */
export function shownLocation(location: SourceLocation, cwd = process.cwd()): string {
  return `${relative(cwd, location.file).split(sep).join('/')}:${location.line}`;
}

/** `  hint: ...` under a message (lines of a long hint indented alike), or nothing. */
export function hintLine(hint: string | undefined, indent = '  '): string {
  return hint ? `\n${indent}hint: ${hint.split('\n').join(`\n${indent}      `)}` : '';
}

/** `  stacks/acme.ts:5: Customer acme [acme] message (CODE)` and the hint under it. */
function formatIssueWithHint(issue: ValidationIssue): string {
  const where = issue.location ? `${shownLocation(issue.location)}: ` : '';
  const what = issue.construct ? `${issue.construct} ` : '';
  return `  ${where}${what}${formatIssue(issue).trimStart()}${hintLine(issue.hint, '      ')}`;
}

/** The issues of a validation error, thrown as is or wrapped with its place in a stack file. */
function issuesOf(e: PvecdkError): readonly ValidationIssue[] | undefined {
  const inner = e instanceof StackFileError ? e.cause : e;
  return inner instanceof ValidationError ? inner.issues : undefined;
}
