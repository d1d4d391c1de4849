import { defineErrorFamily } from '../core/errors.ts';

/** Errors of the command line: all are the user's to fix, so all exit with code 2. */
export const CLI_ERROR_CODES = {
  CLI_USAGE: 'unknown command or option, or a missing argument',
  CLI_STACK_FILE_NOT_FOUND: 'the stack file given does not exist',
  CLI_STACK_FILE_COMPILE: 'the stack file (or a file it imports) has a syntax error',
  CLI_STACK_FILE_IMPORT: 'the stack file imports a module that cannot be found',
  CLI_STACK_FILE_THREW: 'the stack file threw an error while it ran',
  CLI_NO_STACK: 'the stack file defines no stack',
  CLI_CONFIG: 'cdk.json or a PVECDK_* environment variable is invalid',
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

export class CliError extends defineErrorFamily('Command line', CLI_ERROR_CODES) {}
