import { defineErrorFamily, PvecdkError } from '../core/error-family.ts';
import { ConstructError } from '../core/errors.ts';

/** Errors of the command line: all are the user's to fix, so all exit with code 2. */
export const CLI_ERROR_CODES = {
  CLI_USAGE: 'unknown command or option, or a missing argument',
  CLI_STACK_FILE_NOT_FOUND: 'the stack file given does not exist',
  CLI_STACK_FILE_COMPILE: 'the stack file (or a file it imports) has a syntax error',
  CLI_STACK_FILE_IMPORT: 'the stack file imports a module that cannot be found',
  CLI_STACK_FILE_THREW: 'the stack file threw an error while it ran',
  CLI_NO_STACK: 'the stack file defines no stack',
  CLI_CONFIG: 'cdk.json or a PVECDK_* environment variable is invalid',
  CLI_VPN_USER_UNKNOWN: "no VPN user of that name is declared in the stack file's stacks",
  CLI_VPN_USER_NOT_DEPLOYED:
    'the VPN user is declared but not deployed yet (or its key material is not in the secret store): deploy first',
  CLI_KEY_MATERIAL_TO_TERMINAL:
    'a profile holding a private key would be written to a terminal without --stdout',
  CLI_RDS_USER_UNKNOWN: 'no stack of the stack file has an RDS user of the name given',
  CLI_RDS_USER_NOT_DEPLOYED:
    "the RDS user is not deployed yet (or this secret store does not hold the account's initial password)",
  CLI_STATE_NOT_MIGRATED:
    "cdk.json's backend is pg and local state files of the remote are not in it (never migrated, or recovery files of unrecorded writes)",
  CLI_INIT_CONFLICT:
    'pvecdk init would overwrite a file, or the folder holds a package.json it cannot extend',
  CLI_IDENTITY_EXISTS:
    'secrets identity new would overwrite a file (an identity lost is a store nobody can read)',
  CLI_RECIPIENT_LISTED:
    'secrets recipients add names a recipient cdk.json already lists, or remove one it does not list',
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

export class CliError extends defineErrorFamily('Command line', CLI_ERROR_CODES) {}

/**
 * A coded error raised while a stack file ran (a construct mistake, an invalid
 * id). It is no family of its own: it keeps the code and hint it was raised
 * with, and adds where in the user's code that happened (`file:line`).
 */
export class StackFileError extends PvecdkError {
  /** `file:line` of the innermost frame in the user's code, when there is one. */
  readonly location: string | undefined;
  /** The construct the mistake is in, when the error names one. */
  readonly constructPath: string | undefined;
  declare readonly cause: PvecdkError;

  constructor(error: PvecdkError, location: string | undefined) {
    super(error.code, location ? `${location}: ${error.message}` : error.message, error.hint, {
      cause: error,
    });
    this.location = location;
    this.constructPath = error instanceof ConstructError ? error.constructPath : undefined;
    this.stack = error.stack;
  }
}
