import { command } from './powershell-commands.ts';
import { assign, expr, getMember } from './powershell-expressions.ts';
import { formatErrorRecord, formatForOutput } from './powershell-format.ts';
import {
  type PsElement,
  type PsExtent,
  PsParseError,
  type PsStatement,
  parsePowerShell,
} from './powershell-parser.ts';
import { psVersionTable } from './powershell-static-members.ts';
import {
  collapse,
  enumerate,
  PsObject,
  PsScriptBlock,
  shortTypeName,
  toBool,
  toNumber,
  toStr,
} from './powershell-values.ts';

export { formatForOutput } from './powershell-format.ts';
export type {
  CmdletCall,
  CmdletDef,
  CmdletErrorSpec,
  ParamDef,
  ParamType,
  PsErrorRecord,
  PsHost,
} from './powershell-runtime.ts';

import type { PsErrorRecord, PsHost } from './powershell-runtime.ts';

/**
 * Runs a parsed PowerShell script the way Windows PowerShell 5.1 does for
 * `-EncodedCommand`: statements in order, pipelines passing objects,
 * cmdlets bound by name, prefix, alias or position, errors as ErrorRecords
 * (non-terminating unless `-ErrorAction Stop` or `$ErrorActionPreference =
 * 'Stop'`), `Set-StrictMode -Version 3.0` checks, and the exit code rules
 * of powershell.exe (1 after a terminating error or when the last
 * statement failed).
 */

/** An error that ends the statement (or the script, under Stop). */
export class PsRuntimeError extends Error {
  constructor(
    readonly record: PsErrorRecord,
    /** `throw`: ends the script whatever the preference. */
    readonly scriptTerminating = false,
  ) {
    super(record.message);
    this.name = 'PsRuntimeError';
  }
}

/** A .NET exception from a method or constructor (wrapped as "Exception calling ..." by the caller). */
export class DotNetException extends Error {
  constructor(
    message: string,
    readonly typeName: string,
  ) {
    super(message);
  }
}

export class ExitSignal {
  constructor(readonly code: number) {}
}

export class PsInterpreter {
  readonly vars = new Map<string, unknown>();
  strictVersion = 0;
  /** `$?`: whether the last statement succeeded. */
  lastOk = true;
  /** Nesting of try blocks: inside one, errors propagate to its catch instead of being reported. */
  tryDepth = 0;
  readonly loadedModules = new Set<string>();
  script = '';

  constructor(readonly host: PsHost) {
    this.setVar('ErrorActionPreference', 'Continue');
    this.setVar('Error', []);
    this.setVar('PSVersionTable', psVersionTable());
    this.setVar('LASTEXITCODE', null);
  }

  setVar(name: string, value: unknown): void {
    this.vars.set(name.toLowerCase(), value);
  }

  get errorActionPreference(): string {
    return toStr(this.vars.get('erroractionpreference') ?? 'Continue');
  }

  /** Runs a script; returns powershell.exe's exit code. */
  run(script: string): number {
    this.script = script;
    let body: PsStatement[];
    try {
      body = parsePowerShell(script);
    } catch (e) {
      if (!(e instanceof PsParseError)) throw e;
      this.host.writeError({
        message: e.message,
        category: 'ParserError',
        targetName: '',
        targetType: '',
        activity: '',
        reason: 'ParentContainsErrorRecordException',
        fullyQualifiedErrorId: e.errorId,
        extent: { start: e.offset, end: e.offset + 1 },
      });
      return 1;
    }
    try {
      for (const stmt of body) this.statementTop(stmt);
      return this.lastOk ? 0 : 1;
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      if (e instanceof PsRuntimeError) {
        this.host.writeError(e.record);
        return 1;
      }
      throw e;
    }
  }

  /** A statement at script level: its output goes to stdout; a statement-terminating error is reported and the script goes on (unless Stop). */
  statementTop(stmt: PsStatement): void {
    this.lastOk = true;
    try {
      const dotted = this.dotSourcedBlock(stmt);
      if (dotted) {
        // A script dot-sourced at script level is part of the script: its statements stream their output as they run.
        this.setVar('args', []);
        for (const s of dotted.body) this.statementTop(s);
        return;
      }
      const out = this.statement(stmt);
      for (const v of out) this.emit(v);
    } catch (e) {
      if (e instanceof PsRuntimeError && !e.scriptTerminating && this.errorActionPreference !== 'Stop') {
        this.recordError(e.record);
        this.host.writeError(e.record);
        this.lastOk = false;
        return;
      }
      throw e;
    }
  }

  /** `. $block` alone in a statement, with no arguments or pipes: the block it runs. */
  dotSourcedBlock(stmt: PsStatement): PsScriptBlock | undefined {
    if (stmt.k !== 'pipeline' || stmt.elements.length !== 1) return undefined;
    const el = stmt.elements[0]!;
    // Only `. $variable`: reading a variable twice (here, then by the statement) has no side effect.
    if (el.k !== 'command' || !el.callee?.dot || el.args.length || el.callee.expr.k !== 'var')
      return undefined;
    const target = expr(this, el.callee.expr);
    return target instanceof PsScriptBlock ? target : undefined;
  }

  recordError(record: PsErrorRecord): void {
    const list = this.vars.get('error');
    if (Array.isArray(list)) list.unshift(record.message);
  }

  /** Writes one output object as PowerShell's default formatting would, roughly. */
  emit(v: unknown): void {
    for (const line of formatForOutput(v)) this.host.writeOut(line);
  }

  // ---- statements ---------------------------------------------------------------

  /** Runs a statement; returns its output objects. */
  statement(stmt: PsStatement): unknown[] {
    switch (stmt.k) {
      case 'pipeline':
        return this.pipeline(stmt.elements);
      case 'assign': {
        const value =
          stmt.value.k === 'pipeline' &&
          stmt.value.elements.length === 1 &&
          stmt.value.elements[0]!.k === 'expr'
            ? expr(this, stmt.value.elements[0]!.expr)
            : collapse(this.statement(stmt.value));
        this.lastOk = true;
        assign(this, stmt.target, stmt.op, value);
        return [];
      }
      case 'if': {
        for (const clause of stmt.clauses) {
          if (toBool(collapse(this.statement(clause.cond)))) return this.block(clause.body);
        }
        return stmt.otherwise ? this.block(stmt.otherwise) : [];
      }
      case 'foreach': {
        const out: unknown[] = [];
        for (const item of enumerate(collapse(this.statement(stmt.collection)))) {
          this.setVar(stmt.variable, item);
          out.push(...this.block(stmt.body));
        }
        return out;
      }
      case 'try': {
        const out: unknown[] = [];
        try {
          let caught: PsRuntimeError | undefined;
          // Inside try, a statement-terminating error ends the block and goes to catch, however deep.
          this.tryDepth++;
          try {
            out.push(...this.block(stmt.body));
          } catch (e) {
            if (!(e instanceof PsRuntimeError)) throw e;
            caught = e;
          } finally {
            this.tryDepth--;
          }
          if (caught) {
            const reason = caught.record.reason;
            const handler = stmt.catches.find(
              (c) => c.types.length === 0 || c.types.some((t) => exceptionMatches(t, reason)),
            );
            if (!handler) throw caught;
            this.recordError(caught.record);
            const saved = this.vars.get('_');
            this.setVar('_', errorRecordObject(caught.record));
            try {
              out.push(...this.block(handler.body));
            } finally {
              this.setVar('_', saved);
            }
          }
        } finally {
          if (stmt.finally) out.push(...this.block(stmt.finally));
        }
        return out;
      }
      case 'flow': {
        const value = stmt.value ? collapse(this.statement(stmt.value)) : null;
        if (stmt.op === 'exit') {
          const n = toNumber(value);
          throw new ExitSignal(n === undefined ? 0 : Math.trunc(n));
        }
        if (stmt.op === 'return') throw new ExitSignal(this.lastOk ? 0 : 1);
        const message = value === null ? 'ScriptHalted' : toStr(value);
        throw new PsRuntimeError(
          {
            message,
            category: 'OperationStopped',
            targetName: value === null ? '' : message,
            targetType: value === null ? '' : shortTypeName(value),
            activity: '',
            reason: 'RuntimeException',
            fullyQualifiedErrorId: message,
            extent: stmt.e,
          },
          true,
        );
      }
    }
  }

  /** Statements of a block: output collected; errors handled per statement as at top level. */
  block(body: PsStatement[]): unknown[] {
    const out: unknown[] = [];
    for (const s of body) {
      this.lastOk = true;
      try {
        out.push(...this.statement(s));
      } catch (e) {
        if (
          e instanceof PsRuntimeError &&
          !e.scriptTerminating &&
          this.errorActionPreference !== 'Stop' &&
          this.tryDepth === 0
        ) {
          this.recordError(e.record);
          this.host.writeError(e.record);
          this.lastOk = false;
          continue;
        }
        throw e;
      }
    }
    return out;
  }

  // ---- pipelines and commands ---------------------------------------------------

  pipeline(elements: PsElement[]): unknown[] {
    let input: unknown[] | undefined;
    for (const el of elements) {
      if (el.k === 'expr') input = enumerate(expr(this, el.expr));
      else input = command(this, el, input);
    }
    return input ?? [];
  }

  runtimeError(
    message: string,
    category: string,
    reason: string,
    errorId: string,
    extent: PsExtent,
    targetName = '',
  ): PsRuntimeError {
    return new PsRuntimeError({
      message,
      category,
      targetName,
      targetType: targetName ? 'String' : '',
      activity: '',
      reason,
      fullyQualifiedErrorId: errorId,
      extent,
    });
  }

  /** Runs a script block with `$_` set (ForEach-Object, Where-Object). */
  invokeScriptBlock(block: PsScriptBlock, dollarUnderscore: unknown): unknown[] {
    const saved = this.vars.get('_');
    this.setVar('_', dollarUnderscore);
    this.setVar('PSItem', dollarUnderscore);
    try {
      return this.block(block.body);
    } finally {
      this.setVar('_', saved);
      this.setVar('PSItem', saved);
    }
  }

  // ---- expressions ---------------------------------------------------------------

  /** A property of an object, as `$x.Name` reads it (for cmdlets such as Select-Object). */
  getMember(target: unknown, name: string, extent: PsExtent): unknown {
    return getMember(this, target, name, extent);
  }

  /** Formats an ErrorRecord the way Windows PowerShell 5.1 writes it to a redirected stderr. */
  formatError(record: PsErrorRecord): string[] {
    return formatErrorRecord(this.script, record);
  }
}

/** Whether `catch [Type]` catches an error whose exception is `reason` (by short or full name, or a base type). */
function exceptionMatches(type: string, reason: string): boolean {
  const t = type.toLowerCase().replace(/^system\./, '');
  const r = reason.toLowerCase();
  if (t === 'exception' || t === 'management.automation.runtimeexception') return true;
  return r === t || r === t.slice(t.lastIndexOf('.') + 1);
}

/** `$_` in a catch block: the ErrorRecord, with its Exception. */
function errorRecordObject(record: PsErrorRecord): PsObject {
  const exception = new PsObject(
    `System.${record.reason}`,
    { Message: record.message },
    () => record.message,
  );
  return new PsObject(
    'System.Management.Automation.ErrorRecord',
    {
      Exception: exception,
      FullyQualifiedErrorId: record.fullyQualifiedErrorId,
      CategoryInfo: `${record.category}: (${record.targetName}:${record.targetType}) [${record.activity}], ${record.reason}`,
      TargetObject: record.targetName || null,
    },
    () => record.message,
  );
}
