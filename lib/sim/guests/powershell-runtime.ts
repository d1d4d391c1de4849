import type { PsInterpreter } from './powershell-interpreter.ts';
import type { PsExtent } from './powershell-parser.ts';

/** What the interpreter and the emulated cmdlets exchange: error records, parameter definitions, cmdlet calls, the host. */

/** An ErrorRecord: what PowerShell prints for an error. */
export interface PsErrorRecord {
  message: string;
  /** ErrorCategory: ObjectNotFound, InvalidArgument, InvalidOperation, ... */
  category: string;
  targetName: string;
  targetType: string;
  /** The cmdlet shown in `[...]` of CategoryInfo. */
  activity: string;
  /** The exception's short type name. */
  reason: string;
  fullyQualifiedErrorId: string;
  /** Shown before ` : ` on the first line (the command that failed). */
  commandName?: string;
  extent?: PsExtent;
}

export type ParamType =
  | 'switch'
  | 'string'
  | 'string[]'
  | 'object'
  | 'object[]'
  | 'int'
  | 'bool'
  | 'securestring'
  | 'scriptblock';

export interface ParamDef {
  readonly name: string;
  readonly type: ParamType;
  readonly position?: number;
  readonly mandatory?: boolean;
  readonly aliases?: readonly string[];
  /** Binds pipeline input by value. */
  readonly pipeline?: boolean;
  /** An enum: the valid names, and the .NET type named in conversion errors. */
  readonly enumType?: { readonly name: string; readonly values: readonly string[] };
  /** Takes every unbound positional argument (ValueFromRemainingArguments). */
  readonly remaining?: boolean;
  /** Refuses `$null` and `''` when given (a mandatory parameter of another parameter set). */
  readonly notNull?: boolean;
  /** [ValidateLength(1, n)]. */
  readonly maxLength?: number;
}

export interface CmdletCall {
  readonly interp: PsInterpreter;
  /** Bound parameters by canonical name; switches are true/false. */
  readonly params: Record<string, unknown>;
  readonly bound: ReadonlySet<string>;
  /** The pipeline parameter holds every object that came down the pipeline (a list), not an argument. */
  readonly pipelined: boolean;
  readonly extent: PsExtent;
  output(value: unknown): void;
  /** A non-terminating error (honours -ErrorAction). */
  writeError(error: CmdletErrorSpec): void;
  /** A terminating error of this cmdlet. */
  fail(error: CmdletErrorSpec): never;
}

export interface CmdletErrorSpec {
  readonly message: string;
  readonly category: string;
  readonly targetName?: string;
  readonly targetType?: string;
  readonly reason: string;
  readonly errorId: string;
}

export interface CmdletDef {
  readonly name: string;
  /** The module PowerShell would load on first use (Windows PowerShell prints a progress record for it). */
  readonly module?: string;
  /** Class name shown in FullyQualifiedErrorId (`UserNotFound,Microsoft.PowerShell.Commands.GetLocalUserCommand`). */
  readonly className: string;
  readonly params: readonly ParamDef[];
  /** Run once per pipeline input object (the `process` block) instead of once. */
  readonly perItem?: boolean;
  /** Collects pipeline input and works in its end block (ConvertTo-Json): an empty pipeline runs nothing. */
  readonly collectsPipeline?: boolean;
  run(call: CmdletCall): void;
}

/** What the interpreter needs from its host (the emulated Windows guest). */
export interface PsHost {
  readonly cmdlets: ReadonlyMap<string, CmdletDef>;
  /** Cmdlets and programs that exist on Windows but that the emulator does not emulate. */
  readonly notEmulated: ReadonlySet<string>;
  /** Process environment (case-insensitive names). */
  readonly env: Map<string, { name: string; value: string }>;
  /** Standard input, already read (for [Console]::In). */
  readonly stdin: string;
  readonly computerName: string;
  readonly userName: string;
  /** Static members of .NET types beyond the built-in ones. */
  staticMember?(type: string, name: string, args: unknown[] | undefined): { found: boolean; value: unknown };
  /** Native programs (whoami.exe ...): output lines, or undefined when unknown. */
  nativeCommand?(name: string, args: string[]): string[] | undefined;
  /** Text output (stdout), one line per call, without line ending. */
  writeOut(line: string): void;
  writeError(record: PsErrorRecord): void;
  /** Text written to [Console]::Error: straight to the process's stderr, not through the error stream. */
  writeRawError?(text: string): void;
  /** A module is loaded for the first time in this process. */
  moduleLoaded?(module: string): void;
}
