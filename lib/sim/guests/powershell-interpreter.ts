import { randomUUID } from 'node:crypto';
import {
  type PsArg,
  type PsElement,
  type PsExpr,
  type PsExtent,
  PsParseError,
  type PsStatement,
  parsePowerShell,
  positionOf,
} from './powershell-parser.ts';
import {
  collapse,
  enumerate,
  PsHashtable,
  PsObject,
  PsScriptBlock,
  PsSecureString,
  PsType,
  psCompare,
  psEquals,
  resolveTypeName,
  shortTypeName,
  toBool,
  toNumber,
  toStr,
  typeNameOf,
  wildcard,
} from './powershell-values.ts';

/**
 * Runs a parsed PowerShell script the way Windows PowerShell 5.1 does for
 * `-EncodedCommand`: statements in order, pipelines passing objects,
 * cmdlets bound by name, prefix, alias or position, errors as ErrorRecords
 * (non-terminating unless `-ErrorAction Stop` or `$ErrorActionPreference =
 * 'Stop'`), `Set-StrictMode -Version 3.0` checks, and the exit code rules
 * of powershell.exe (1 after a terminating error or when the last
 * statement failed).
 */

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

class ExitSignal {
  constructor(readonly code: number) {}
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
  /** A module is loaded for the first time in this process. */
  moduleLoaded?(module: string): void;
}

const COMMON_PARAMS: ParamDef[] = [
  {
    name: 'ErrorAction',
    type: 'string',
    aliases: ['ea'],
    enumType: {
      name: 'System.Management.Automation.ActionPreference',
      values: ['SilentlyContinue', 'Stop', 'Continue', 'Inquire', 'Ignore', 'Suspend'],
    },
  },
  { name: 'WarningAction', type: 'string', aliases: ['wa'] },
  { name: 'InformationAction', type: 'string', aliases: ['infa'] },
  { name: 'ErrorVariable', type: 'string', aliases: ['ev'] },
  { name: 'WarningVariable', type: 'string', aliases: ['wv'] },
  { name: 'OutVariable', type: 'string', aliases: ['ov'] },
  { name: 'OutBuffer', type: 'int', aliases: ['ob'] },
  { name: 'PipelineVariable', type: 'string', aliases: ['pv'] },
  { name: 'Verbose', type: 'switch', aliases: ['vb'] },
  { name: 'Debug', type: 'switch', aliases: ['db'] },
  { name: 'WhatIf', type: 'switch', aliases: ['wi'] },
  { name: 'Confirm', type: 'switch', aliases: ['cf'] },
];

const NOT_RECOGNIZED = (name: string) =>
  `The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`;

export class PsInterpreter {
  readonly vars = new Map<string, unknown>();
  strictVersion = 0;
  /** `$?`: whether the last statement succeeded. */
  lastOk = true;
  /** Nesting of try blocks: inside one, errors propagate to its catch instead of being reported. */
  private tryDepth = 0;
  private readonly loadedModules = new Set<string>();
  private script = '';

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
  private statementTop(stmt: PsStatement): void {
    this.lastOk = true;
    try {
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

  private recordError(record: PsErrorRecord): void {
    const list = this.vars.get('error');
    if (Array.isArray(list)) list.unshift(record.message);
  }

  /** Writes one output object as PowerShell's default formatting would, roughly. */
  private emit(v: unknown): void {
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
            ? this.expr(stmt.value.elements[0]!.expr)
            : collapse(this.statement(stmt.value));
        this.lastOk = true;
        this.assign(stmt.target, stmt.op, value);
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
  private block(body: PsStatement[]): unknown[] {
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

  private assign(target: PsExpr, op: '=' | '+=', valueIn: unknown): void {
    let value = valueIn;
    if (op === '+=') value = this.binary('+', this.expr(target), value, target.e);
    if (target.k === 'var') {
      const name = target.name;
      if (name.toLowerCase().startsWith('env:')) {
        const key = name.slice(4);
        if (value === null) this.host.env.delete(key.toLowerCase());
        else this.host.env.set(key.toLowerCase(), { name: key, value: toStr(value) });
        return;
      }
      if (['true', 'false', 'null'].includes(name.toLowerCase()))
        throw this.runtimeError(
          `Cannot overwrite variable ${name} because it is read-only or constant.`,
          'WriteError',
          'SessionStateUnauthorizedAccessException',
          'VariableNotWritable',
          target.e,
          name,
        );
      this.setVar(name, value);
      return;
    }
    if (target.k === 'member') {
      const obj = this.expr(target.target);
      const name = toStr(this.expr(target.name));
      if (obj instanceof PsHashtable) {
        obj.set(name, value);
        return;
      }
      if (obj instanceof PsObject) {
        if (obj.set(name, value)) return;
        if (!obj.get(name).found)
          throw this.runtimeError(
            `The property '${name}' cannot be found on this object. Verify that the property exists and can be set.`,
            'InvalidOperation',
            'RuntimeException',
            'PropertyAssignmentException',
            target.e,
          );
        throw this.runtimeError(
          `'${name}' is a ReadOnly property.`,
          'InvalidOperation',
          'RuntimeException',
          'PropertyAssignmentException',
          target.e,
        );
      }
      if (obj === null)
        throw this.runtimeError(
          `The property '${name}' cannot be found on this object. Verify that the property exists and can be set.`,
          'InvalidOperation',
          'RuntimeException',
          'PropertyNotFound',
          target.e,
        );
      throw this.runtimeError(
        `'${name}' is a ReadOnly property.`,
        'InvalidOperation',
        'RuntimeException',
        'PropertyAssignmentException',
        target.e,
      );
    }
    if (target.k === 'index') {
      const obj = this.expr(target.target);
      const index = this.expr(target.index);
      if (obj instanceof PsHashtable) obj.set(index, value);
      else if (Array.isArray(obj)) {
        const i = toNumber(index) ?? 0;
        if (i >= obj.length || i < -obj.length)
          throw this.runtimeError(
            'Index was outside the bounds of the array.',
            'InvalidOperation',
            'RuntimeException',
            'IndexOutOfRange',
            target.e,
          );
        obj[i < 0 ? obj.length + i : i] = value;
      } else
        throw this.runtimeError(
          `Unable to index into an object of type ${typeNameOf(obj)}.`,
          'InvalidOperation',
          'RuntimeException',
          'CannotIndex',
          target.e,
        );
    }
  }

  // ---- pipelines and commands ---------------------------------------------------

  private pipeline(elements: PsElement[]): unknown[] {
    let input: unknown[] | undefined;
    for (const el of elements) {
      if (el.k === 'expr') input = enumerate(this.expr(el.expr));
      else input = this.command(el, input);
    }
    return input ?? [];
  }

  private command(el: Extract<PsElement, { k: 'command' }>, input: unknown[] | undefined): unknown[] {
    const key = el.name.toLowerCase().replace(/\.exe$/, '');
    const def = this.host.cmdlets.get(el.name.toLowerCase()) ?? this.host.cmdlets.get(key);
    if (!def) {
      const args = el.args.map((a) => (a.k === 'param' ? `-${a.name}` : toStr(this.expr(a.expr))));
      const native = this.host.nativeCommand?.(key, args);
      if (native) {
        this.setVar('LASTEXITCODE', 0);
        return native;
      }
      if (this.host.notEmulated.has(key) || this.host.notEmulated.has(el.name.toLowerCase())) {
        throw new PsRuntimeError({
          message: `'${el.name}' exists on Windows but is not emulated by the pvecdk guest emulator.`,
          category: 'NotImplemented',
          targetName: el.name,
          targetType: 'String',
          activity: '',
          reason: 'NotImplementedException',
          fullyQualifiedErrorId: 'PvecdkEmulatorNotImplemented',
          commandName: el.name,
          extent: el.nameExtent,
        });
      }
      throw new PsRuntimeError({
        message: NOT_RECOGNIZED(el.name),
        category: 'ObjectNotFound',
        targetName: el.name,
        targetType: 'String',
        activity: '',
        reason: 'CommandNotFoundException',
        fullyQualifiedErrorId: 'CommandNotFoundException',
        commandName: el.name,
        extent: el.nameExtent,
      });
    }
    if (def.module && !this.loadedModules.has(def.module)) {
      this.loadedModules.add(def.module);
      this.host.moduleLoaded?.(def.module);
    }
    const bound = this.bind(def, el);
    const out: unknown[] = [];
    const pipelineParam = def.params.find((p) => p.pipeline);
    const runOnce = (params: Record<string, unknown>, boundSet: Set<string>) => {
      this.checkMandatory(def, params, boundSet, el);
      const action = toStr(params.ErrorAction ?? this.errorActionPreference);
      const call: CmdletCall = {
        interp: this,
        params,
        bound: boundSet,
        extent: el.e,
        output: (v) => out.push(v),
        writeError: (spec) => {
          const record = this.cmdletRecord(def, spec, el);
          if (action === 'Stop') throw new PsRuntimeError(record);
          this.recordError(record);
          if (action === 'SilentlyContinue' || action === 'Ignore') return;
          this.host.writeError(record);
          this.lastOk = false;
        },
        fail: (spec) => {
          throw new PsRuntimeError(this.cmdletRecord(def, spec, el));
        },
      };
      def.run(call);
    };
    if (input !== undefined && pipelineParam && def.perItem) {
      // The process block runs once per input object: never when upstream wrote nothing.
      for (const item of input) {
        const params = { ...bound.params };
        params[pipelineParam.name] = this.convertParam(def, pipelineParam, item, el);
        runOnce(params, new Set([...bound.set, pipelineParam.name]));
      }
    } else if (input?.length && pipelineParam) {
      if (def.perItem) {
        for (const item of input) {
          const params = { ...bound.params };
          params[pipelineParam.name] = this.convertParam(def, pipelineParam, item, el);
          runOnce(params, new Set([...bound.set, pipelineParam.name]));
        }
      } else {
        const params = { ...bound.params };
        params[pipelineParam.name] = input.map((v) => this.convertParam(def, pipelineParam, v, el));
        runOnce(params, new Set([...bound.set, pipelineParam.name]));
      }
    } else if (input?.length && !pipelineParam) {
      throw new PsRuntimeError(
        this.cmdletRecord(
          def,
          {
            message:
              'The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.',
            category: 'InvalidArgument',
            targetName: toStr(input[0]),
            targetType: shortTypeName(input[0]),
            reason: 'ParameterBindingException',
            errorId: 'InputObjectNotBound',
          },
          el,
        ),
      );
    } else runOnce(bound.params, bound.set);
    return out;
  }

  private checkMandatory(
    def: CmdletDef,
    params: Record<string, unknown>,
    bound: Set<string>,
    el: Extract<PsElement, { k: 'command' }>,
  ): void {
    const missing = def.params.filter((p) => p.mandatory && !bound.has(p.name)).map((p) => p.name);
    if (missing.length) {
      throw new PsRuntimeError(
        this.cmdletRecord(
          def,
          {
            message: `Cannot process command because of one or more missing mandatory parameters: ${missing.join(' ')}.`,
            category: 'InvalidArgument',
            reason: 'ParameterBindingException',
            errorId: 'MissingMandatoryParameter',
          },
          el,
        ),
      );
    }
    void params;
  }

  /** Binds named and positional arguments to a cmdlet's parameters, with PowerShell's errors. */
  private bind(
    def: CmdletDef,
    el: Extract<PsElement, { k: 'command' }>,
  ): { params: Record<string, unknown>; set: Set<string> } {
    const all = [...def.params, ...COMMON_PARAMS];
    const params: Record<string, unknown> = {};
    const set = new Set<string>();
    const positional: Array<{ value: unknown; arg: PsArg }> = [];
    const bindError = (
      message: string,
      errorId: string,
      targetName = '',
      category = 'InvalidArgument',
    ): never => {
      throw new PsRuntimeError(
        this.cmdletRecord(
          def,
          {
            message,
            category,
            targetName,
            targetType: targetName ? 'String' : '',
            reason: 'ParameterBindingException',
            errorId,
          },
          el,
        ),
      );
    };
    for (let i = 0; i < el.args.length; i++) {
      const arg = el.args[i]!;
      if (arg.k === 'value') {
        positional.push({ value: this.expr(arg.expr), arg });
        continue;
      }
      const lower = arg.name.toLowerCase();
      const exact = all.filter(
        (p) => p.name.toLowerCase() === lower || p.aliases?.some((a) => a.toLowerCase() === lower),
      );
      const matches = exact.length ? exact : all.filter((p) => p.name.toLowerCase().startsWith(lower));
      if (matches.length === 0)
        bindError(
          `A parameter cannot be found that matches parameter name '${arg.name}'.`,
          'NamedParameterNotFound',
          arg.name,
        );
      if (matches.length > 1)
        bindError(
          `Parameter cannot be processed because the parameter name '${arg.name}' is ambiguous. Possible matches include: ${matches.map((m) => `-${m.name}`).join(' ')}.`,
          'AmbiguousParameter',
          arg.name,
        );
      const p = matches[0]!;
      if (set.has(p.name))
        bindError(
          `Cannot bind parameter because parameter '${p.name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`,
          'ParameterAlreadyBound',
          p.name,
        );
      if (p.type === 'switch') {
        params[p.name] = arg.value ? toBool(this.expr(arg.value)) : true;
        set.add(p.name);
        continue;
      }
      let value: unknown;
      if (arg.value) value = this.expr(arg.value);
      else {
        const next = el.args[i + 1];
        if (!next || next.k === 'param')
          bindError(
            `Missing an argument for parameter '${p.name}'. Specify a parameter of type '${dotnetParamType(p)}' and try again.`,
            'MissingArgument',
            p.name,
          );
        value = this.expr((next as { expr: PsExpr }).expr);
        i++;
      }
      params[p.name] = this.convertParam(def, p, value, el);
      set.add(p.name);
    }
    const byPosition = def.params
      .filter((p) => p.position !== undefined && !set.has(p.name))
      .sort((a, b) => a.position! - b.position!);
    const remaining = def.params.find((p) => p.remaining && !set.has(p.name));
    const leftovers: unknown[] = [];
    for (const { value } of positional) {
      const p = byPosition.shift();
      if (p && !p.remaining) {
        params[p.name] = this.convertParam(def, p, value, el);
        set.add(p.name);
      } else if (remaining) leftovers.push(value);
      else
        bindError(
          `A positional parameter cannot be found that accepts argument '${toStr(value)}'.`,
          'PositionalParameterNotFound',
          toStr(value),
        );
    }
    if (remaining && leftovers.length) {
      params[remaining.name] = leftovers.length === 1 ? leftovers[0] : leftovers;
      set.add(remaining.name);
    }
    return { params, set };
  }

  private convertParam(
    def: CmdletDef,
    p: ParamDef,
    value: unknown,
    el: Extract<PsElement, { k: 'command' }>,
  ): unknown {
    const fail = (message: string, errorId: string): never => {
      throw new PsRuntimeError(
        this.cmdletRecord(
          def,
          {
            message,
            category: 'InvalidArgument',
            targetName: '',
            reason: 'ParameterBindingValidationException',
            errorId,
          },
          el,
        ),
      );
    };
    if (value === null || value === undefined) {
      if (p.mandatory || p.notNull || p.type === 'securestring')
        fail(
          `Cannot bind argument to parameter '${p.name}' because it is null.`,
          'ParameterArgumentValidationErrorNullNotAllowed',
        );
      return null;
    }
    switch (p.type) {
      case 'string': {
        if (Array.isArray(value) && value.length !== 1)
          fail(
            `Cannot convert 'System.Object[]' to the type 'System.String' required by parameter '${p.name}'. Specified method is not supported.`,
            'CannotConvertArgument',
          );
        const s = toStr(Array.isArray(value) ? value[0] : value);
        if ((p.mandatory || p.notNull) && s === '')
          fail(
            `Cannot bind argument to parameter '${p.name}' because it is an empty string.`,
            'ParameterArgumentValidationErrorEmptyStringNotAllowed',
          );
        if (p.maxLength !== undefined && s.length > p.maxLength)
          fail(
            `Cannot validate argument on parameter '${p.name}'. The character length of the ${s.length} argument is too long. Shorten the character length of the argument so it is fewer than or equal to "${p.maxLength}" characters, and then try the command again.`,
            'ParameterArgumentValidationError',
          );
        if (p.enumType) {
          const match = p.enumType.values.find((v) => v.toLowerCase() === s.toLowerCase());
          if (!match)
            fail(
              `Cannot bind parameter '${p.name}'. Cannot convert value "${s}" to type "${p.enumType.name}". Error: "Unable to match the identifier name ${s} to a valid enumerator name. Specify one of the following enumerator names and try again:\n${p.enumType.values.join(', ')}"`,
              'CannotConvertArgumentNoMessage',
            );
          return match;
        }
        return s;
      }
      case 'string[]':
        return enumerate(value).map(toStr);
      case 'int': {
        const n = toNumber(value);
        if (n === undefined)
          fail(
            `Cannot bind parameter '${p.name}'. Cannot convert value "${toStr(value)}" to type "System.Int32". Error: "Input string was not in a correct format."`,
            'CannotConvertArgumentNoMessage',
          );
        return Math.trunc(n!);
      }
      case 'bool':
        return toBool(value);
      case 'securestring':
        if (!(value instanceof PsSecureString))
          fail(
            `Cannot bind parameter '${p.name}'. Cannot convert the "${toStr(value)}" value of type "${typeNameOf(value)}" to type "System.Security.SecureString".`,
            'CannotConvertArgumentNoMessage',
          );
        return value;
      case 'scriptblock':
        if (!(value instanceof PsScriptBlock))
          fail(
            `Cannot bind parameter '${p.name}'. Cannot convert the "${toStr(value)}" value of type "${typeNameOf(value)}" to type "System.Management.Automation.ScriptBlock".`,
            'CannotConvertArgumentNoMessage',
          );
        return value;
      case 'object[]':
        return enumerate(value);
      default:
        return value;
    }
  }

  private cmdletRecord(
    def: CmdletDef,
    spec: CmdletErrorSpec,
    el: Extract<PsElement, { k: 'command' }>,
  ): PsErrorRecord {
    return {
      message: spec.message,
      category: spec.category,
      targetName: spec.targetName ?? '',
      targetType: spec.targetType ?? (spec.targetName ? 'String' : ''),
      activity: def.name,
      reason: spec.reason,
      fullyQualifiedErrorId: `${spec.errorId},${def.className}`,
      commandName: def.name,
      extent: el.e,
    };
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

  expr(e: PsExpr): unknown {
    switch (e.k) {
      case 'const':
        return e.value;
      case 'expandable':
        return e.parts.map((p) => (typeof p === 'string' ? p : toStr(this.expr(p)))).join('');
      case 'var':
        return this.variable(e.name, e.e);
      case 'array':
        return e.items.map((i) => this.expr(i));
      case 'arraysub':
        return [...this.block(e.body)];
      case 'subexpr':
        return collapse(this.block(e.body));
      case 'paren': {
        if (e.stmt.k === 'pipeline' && e.stmt.elements.length === 1 && e.stmt.elements[0]!.k === 'expr')
          return this.expr(e.stmt.elements[0]!.expr);
        return collapse(this.statement(e.stmt));
      }
      case 'hash': {
        const h = new PsHashtable();
        for (const [k, v] of e.entries) {
          const key = this.expr(k);
          if (h.has(key))
            throw this.runtimeError(
              `Duplicate keys '${toStr(key)}' are not allowed in hash literals.`,
              'InvalidOperation',
              'RuntimeException',
              'DuplicateKeyInHashLiteral',
              k.e,
            );
          h.set(key, collapse(this.statement(v)));
        }
        return h;
      }
      case 'scriptblock':
        return new PsScriptBlock(e.body, e.text);
      case 'type':
        return new PsType(e.name);
      case 'cast':
        return this.cast(e.type, this.expr(e.expr), e.e);
      case 'member':
        return this.member(e);
      case 'invoke':
        return this.invoke(e);
      case 'index':
        return this.index(this.expr(e.target), this.expr(e.index), e.e);
      case 'unary': {
        const v = this.expr(e.expr);
        if (e.op === 'not') return !toBool(v);
        if (e.op === '-') {
          const n = toNumber(v);
          if (n === undefined) throw this.conversionError(v, 'System.Int32', e.e);
          return -n;
        }
        if (e.op === '+') return toNumber(v) ?? 0;
        if (e.op === 'join') return enumerate(v).map(toStr).join('');
        if (e.op === 'split') return toStr(v).trim().split(/\s+/);
        throw this.runtimeError(
          `The operator -${e.op} is not supported by the pvecdk guest emulator.`,
          'NotImplemented',
          'RuntimeException',
          'OperatorNotSupported',
          e.e,
        );
      }
      case 'binary': {
        if (e.op === 'and') return toBool(this.expr(e.left)) && toBool(this.expr(e.right));
        if (e.op === 'or') return toBool(this.expr(e.left)) || toBool(this.expr(e.right));
        return this.binary(e.op, this.expr(e.left), this.expr(e.right), e.e);
      }
    }
  }

  private variable(name: string, extent: PsExtent): unknown {
    const lower = name.toLowerCase();
    if (lower === 'null') return null;
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === '?') return this.lastOk;
    if (lower.startsWith('env:')) {
      // Environment variables come from a provider: an unset one is $null even under strict mode.
      return this.host.env.get(lower.slice(4))?.value ?? null;
    }
    if (!this.vars.has(lower)) {
      if (this.strictVersion >= 1)
        throw this.runtimeError(
          `The variable '$${name}' cannot be retrieved because it has not been set.`,
          'InvalidOperation',
          'RuntimeException',
          'VariableIsUndefined',
          extent,
          name,
        );
      return null;
    }
    return this.vars.get(lower) ?? null;
  }

  private propertyNotFound(name: string, extent: PsExtent): PsRuntimeError {
    return this.runtimeError(
      `The property '${name}' cannot be found on this object. Verify that the property exists.`,
      'NotSpecified',
      'PropertyNotFoundException',
      'PropertyNotFoundStrict',
      extent,
    );
  }

  private member(e: Extract<PsExpr, { k: 'member' }>): unknown {
    const target = this.expr(e.target);
    const name = toStr(this.expr(e.name));
    if (e.isStatic) return this.staticMember(target, name, undefined, e.e);
    return this.getMember(target, name, e.e);
  }

  getMember(target: unknown, name: string, extent: PsExtent): unknown {
    const lower = name.toLowerCase();
    if (target === null || target === undefined) {
      if (this.strictVersion >= 2) throw this.propertyNotFound(name, extent);
      return null;
    }
    if (typeof target === 'string') {
      if (lower === 'length') return target.length;
    } else if (Array.isArray(target)) {
      if (lower === 'count' || lower === 'length') return target.length;
      if (lower === 'rank') return 1;
      // Member enumeration: the property of each element.
      const values = target
        .map((t) => {
          try {
            return this.getMember(t, name, extent);
          } catch {
            return undefined;
          }
        })
        .filter((v) => v !== undefined);
      if (!values.length && target.length && this.strictVersion >= 2)
        throw this.propertyNotFound(name, extent);
      return collapse(values.flatMap((v) => enumerate(v)));
    } else if (target instanceof PsHashtable) {
      if (lower === 'count') return target.size;
      if (lower === 'keys') return target.entries().map(([k]) => k);
      if (lower === 'values') return target.entries().map(([, v]) => v);
      return target.get(name);
    } else if (target instanceof PsObject) {
      const got = target.get(name);
      if (got.found) return got.value;
    } else if (target instanceof Uint8Array) {
      if (lower === 'length' || lower === 'count') return target.length;
    }
    if (this.strictVersion >= 2) throw this.propertyNotFound(name, extent);
    return null;
  }

  private invoke(e: Extract<PsExpr, { k: 'invoke' }>): unknown {
    const target = this.expr(e.target);
    const name = toStr(this.expr(e.name));
    const args = e.args.map((a) => this.expr(a));
    if (e.isStatic) return this.staticMember(target, name, args, e.e);
    if (target === null || target === undefined)
      throw this.runtimeError(
        'You cannot call a method on a null-valued expression.',
        'InvalidOperation',
        'RuntimeException',
        'InvokeMethodOnNull',
        e.e,
      );
    try {
      return this.callMethod(target, name, args, e.e);
    } catch (err) {
      if (err instanceof DotNetException) {
        throw new PsRuntimeError({
          message: `Exception calling "${name}" with "${args.length}" argument(s): "${err.message}"`,
          category: 'NotSpecified',
          targetName: '',
          targetType: '',
          activity: '',
          reason: 'MethodInvocationException',
          fullyQualifiedErrorId: err.typeName,
          extent: e.e,
        });
      }
      throw err;
    }
  }

  private methodNotFound(target: unknown, name: string, extent: PsExtent): PsRuntimeError {
    return this.runtimeError(
      `Method invocation failed because [${typeNameOf(target)}] does not contain a method named '${name}'.`,
      'InvalidOperation',
      'RuntimeException',
      'MethodNotFound',
      extent,
    );
  }

  private callMethod(target: unknown, name: string, args: unknown[], extent: PsExtent): unknown {
    const lower = name.toLowerCase();
    if (lower === 'tostring' && args.length === 0) return toStr(target);
    if (lower === 'gettype' && args.length === 0) {
      const full = typeNameOf(target);
      return new PsObject(
        'System.RuntimeType',
        { Name: full.slice(full.lastIndexOf('.') + 1), FullName: full },
        () => full,
      );
    }
    if (typeof target === 'string')
      return stringMethod(target, lower, args, () => this.methodNotFound(target, name, extent));
    if (Array.isArray(target)) {
      if (lower === 'contains') return target.some((t) => psEquals(t, args[0], true));
      if (lower === 'indexof') return target.findIndex((t) => psEquals(t, args[0], true));
      // Method enumeration over elements.
      return collapse(target.map((t) => this.callMethod(t, name, args, extent)));
    }
    if (target instanceof PsHashtable) {
      if (lower === 'containskey') return target.has(args[0]);
      if (lower === 'add') {
        if (target.has(args[0]))
          throw new DotNetException(
            `Item has already been added. Key in dictionary: '${toStr(args[0])}'  Key being added: '${toStr(args[0])}'`,
            'ArgumentException',
          );
        target.set(args[0], args[1] ?? null);
        return null;
      }
      if (lower === 'remove') {
        target.delete(args[0]);
        return null;
      }
    }
    if (target instanceof PsObject) {
      const m = target.methods.get(lower);
      if (m) return m(args);
    }
    if (target instanceof PsSecureString && lower === 'dispose') return null;
    throw this.methodNotFound(target, name, extent);
  }

  private staticMember(
    target: unknown,
    name: string,
    args: unknown[] | undefined,
    extent: PsExtent,
  ): unknown {
    if (!(target instanceof PsType))
      throw this.runtimeError(
        `Unable to find type: the static member '${name}' needs a type.`,
        'InvalidOperation',
        'RuntimeException',
        'TypeNotFound',
        extent,
      );
    const type = resolveTypeName(target.name);
    const lower = name.toLowerCase();
    const call = (f: () => unknown) => {
      try {
        return f();
      } catch (err) {
        if (err instanceof DotNetException) {
          throw new PsRuntimeError({
            message: `Exception calling "${name}" with "${args?.length ?? 0}" argument(s): "${err.message}"`,
            category: 'NotSpecified',
            targetName: '',
            targetType: '',
            activity: '',
            reason: 'MethodInvocationException',
            fullyQualifiedErrorId: err.typeName,
            extent,
          });
        }
        throw err;
      }
    };
    const host = this.host.staticMember?.(type, lower, args);
    if (host?.found) return host.value;
    switch (`${type}::${lower}`) {
      case 'System.Environment::newline':
        return '\r\n';
      case 'System.Environment::machinename':
        return this.host.computerName;
      case 'System.Environment::username':
        return this.host.userName;
      case 'System.Environment::getenvironmentvariable':
        return this.host.env.get(toStr(args?.[0]).toLowerCase())?.value ?? null;
      case 'System.String::isnullorempty':
        return args?.[0] === null || toStr(args?.[0]) === '';
      case 'System.String::isnullorwhitespace':
        return args?.[0] === null || toStr(args?.[0]).trim() === '';
      case 'System.String::join':
        return enumerate(args?.[1]).map(toStr).join(toStr(args?.[0]));
      case 'System.String::empty':
        return '';
      case 'System.Math::max':
        return Math.max(toNumber(args?.[0]) ?? 0, toNumber(args?.[1]) ?? 0);
      case 'System.Math::min':
        return Math.min(toNumber(args?.[0]) ?? 0, toNumber(args?.[1]) ?? 0);
      case 'System.Console::in':
        return consoleIn(this.host.stdin);
      case 'System.Convert::tobase64string':
        return call(() => Buffer.from(toBytes(args?.[0])).toString('base64'));
      case 'System.Convert::frombase64string':
        return call(() => {
          const s = toStr(args?.[0]).replace(/\s/g, '');
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
            throw new DotNetException(
              'The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. ',
              'FormatException',
            );
          return new Uint8Array(Buffer.from(s, 'base64'));
        });
      case 'System.Text.Encoding::utf8':
        return encodingObject('utf8');
      case 'System.Text.Encoding::unicode':
        return encodingObject('utf16le');
      case 'System.Text.Encoding::ascii':
        return encodingObject('ascii');
      case 'System.Guid::newguid': {
        const g = randomUUID();
        return new PsObject('System.Guid', { Guid: g }, () => g);
      }
    }
    throw this.runtimeError(
      args === undefined
        ? `The property '${name}' cannot be found on type [${type}] in the pvecdk guest emulator.`
        : `Method invocation failed because [${type}] does not contain a method named '${name}'.`,
      'InvalidOperation',
      'RuntimeException',
      args === undefined ? 'PropertyNotFound' : 'MethodNotFound',
      extent,
    );
  }

  private index(target: unknown, index: unknown, extent: PsExtent): unknown {
    if (target === null || target === undefined) {
      throw this.runtimeError(
        'Cannot index into a null array.',
        'InvalidOperation',
        'RuntimeException',
        'NullArray',
        extent,
      );
    }
    if (target instanceof PsHashtable) return target.get(index);
    const indexOne = (list: ArrayLike<unknown>, i: unknown) => {
      const n = toNumber(i);
      if (n === undefined) return null;
      const at = n < 0 ? list.length + n : n;
      if (at < 0 || at >= list.length) {
        if (this.strictVersion >= 3)
          throw this.runtimeError(
            'Index was outside the bounds of the array.',
            'OperationStopped',
            'IndexOutOfRangeException',
            'System.IndexOutOfRangeException',
            extent,
          );
        return null;
      }
      return list[at] ?? null;
    };
    if (Array.isArray(index)) return index.map((i) => this.index(target, i, extent));
    if (Array.isArray(target)) return indexOne(target, index);
    if (typeof target === 'string') {
      const c = indexOne(target.split(''), index);
      return c;
    }
    if (target instanceof Uint8Array) return indexOne(target, index);
    if (target instanceof PsObject) {
      const m = target.methods.get('get_item');
      if (m) return m([index]);
    }
    // A scalar indexed with 0 is itself (PowerShell treats scalars as one-element collections).
    if (toNumber(index) === 0) return target;
    if (this.strictVersion >= 3)
      throw this.runtimeError(
        'Index was outside the bounds of the array.',
        'OperationStopped',
        'IndexOutOfRangeException',
        'System.IndexOutOfRangeException',
        extent,
      );
    return null;
  }

  private conversionError(
    v: unknown,
    type: string,
    extent: PsExtent,
    detail = 'Input string was not in a correct format.',
  ): PsRuntimeError {
    return this.runtimeError(
      `Cannot convert value "${toStr(v)}" to type "${type}". Error: "${detail}"`,
      'InvalidArgument',
      'RuntimeException',
      'InvalidCastFromStringToInteger',
      extent,
    );
  }

  cast(typeIn: string, v: unknown, extent: PsExtent): unknown {
    const type = resolveTypeName(typeIn);
    switch (type) {
      case 'System.String':
        return v === null ? '' : toStr(v);
      case 'System.Char': {
        if (typeof v === 'number') return String.fromCharCode(v);
        const s = toStr(v);
        if (s.length !== 1)
          throw this.conversionError(v, 'System.Char', extent, 'String must be exactly one character long.');
        return s;
      }
      case 'System.Int32':
      case 'System.Int64':
      case 'System.Byte': {
        const n = toNumber(v);
        if (n === undefined) throw this.conversionError(v, type, extent);
        return bankersRound(n);
      }
      case 'System.Double':
        return toNumber(v) ?? Number.NaN;
      case 'System.Boolean':
        return toBool(v);
      case 'System.Object':
        return v;
      case 'System.Object[]':
      case 'System.Array':
        return [...enumerate(v)];
      case 'System.String[]':
        return enumerate(v).map(toStr);
      case 'System.Byte[]':
        return new Uint8Array(enumerate(v).map((x) => toNumber(x) ?? 0));
      case 'System.Collections.Hashtable':
        if (v instanceof PsHashtable) return v;
        break;
      case 'System.Security.SecureString':
        if (v instanceof PsSecureString) return v;
        throw this.runtimeError(
          `Cannot convert the "${toStr(v)}" value of type "${typeNameOf(v)}" to type "System.Security.SecureString".`,
          'InvalidArgument',
          'RuntimeException',
          'ConvertToFinalInvalidCastException',
          extent,
        );
    }
    throw this.runtimeError(
      `Unable to find type [${typeIn}].`,
      'InvalidOperation',
      'RuntimeException',
      'TypeNotFound',
      extent,
      typeIn,
    );
  }

  binary(opIn: string, left: unknown, right: unknown, extent: PsExtent): unknown {
    const caseSensitive = opIn.startsWith('c') && opIn !== 'contains';
    const op =
      /^[ci](eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|replace)$/.test(opIn)
        ? opIn.slice(1)
        : opIn;
    const scalarCompare = (l: unknown, r: unknown): boolean => {
      switch (op) {
        case 'eq':
          return psEquals(l, r, caseSensitive);
        case 'ne':
          return !psEquals(l, r, caseSensitive);
        case 'gt':
          return psCompare(l, r, caseSensitive) > 0;
        case 'ge':
          return psCompare(l, r, caseSensitive) >= 0;
        case 'lt':
          return psCompare(l, r, caseSensitive) < 0;
        case 'le':
          return psCompare(l, r, caseSensitive) <= 0;
        case 'like':
          return wildcard(toStr(r), caseSensitive).test(toStr(l));
        case 'notlike':
          return !wildcard(toStr(r), caseSensitive).test(toStr(l));
        case 'match':
        case 'notmatch': {
          const m = new RegExp(toStr(r), caseSensitive ? '' : 'i').exec(toStr(l));
          if (m && op === 'match') {
            const h = new PsHashtable();
            for (const [i, g] of m.entries()) h.set(i, g ?? null);
            this.setVar('Matches', h);
          }
          return op === 'match' ? m !== null : m === null;
        }
        default:
          return false;
      }
    };
    switch (op) {
      case 'eq':
      case 'ne':
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
      case 'like':
      case 'notlike':
      case 'match':
      case 'notmatch':
        // A collection on the left filters it.
        if (Array.isArray(left)) return left.filter((l) => scalarCompare(l, right));
        return scalarCompare(left, right);
      case 'contains':
        return enumerate(left).some((l) => psEquals(l, right, caseSensitive));
      case 'notcontains':
        return !enumerate(left).some((l) => psEquals(l, right, caseSensitive));
      case 'in':
        return enumerate(right).some((r) => psEquals(r, left, caseSensitive));
      case 'notin':
        return !enumerate(right).some((r) => psEquals(r, left, caseSensitive));
      case 'replace': {
        const [pattern, replacement] = enumerate(right).map(toStr);
        return toStr(left).replace(
          new RegExp(pattern ?? '', caseSensitive ? 'g' : 'gi'),
          (replacement ?? '').replace(/\$(\d)/g, '$$$1'),
        );
      }
      case 'join':
        return enumerate(left).map(toStr).join(toStr(right));
      case 'split':
        return toStr(left).split(new RegExp(toStr(right), 'i'));
      case 'is':
        return (
          right instanceof PsType &&
          resolveTypeName(right.name).toLowerCase() === typeNameOf(left).toLowerCase()
        );
      case 'isnot':
        return !(
          right instanceof PsType &&
          resolveTypeName(right.name).toLowerCase() === typeNameOf(left).toLowerCase()
        );
      case 'f': {
        const args = enumerate(right);
        return toStr(left).replace(/\{(\d+)\}/g, (_m, i: string) => toStr(args[Number(i)]));
      }
      case '+': {
        if (left === null) return right;
        if (Array.isArray(left)) return [...left, ...enumerate(right)];
        if (left instanceof PsHashtable) {
          if (!(right instanceof PsHashtable))
            throw this.runtimeError(
              'A hash table can only be added to another hash table.',
              'InvalidOperation',
              'RuntimeException',
              'AddHashTableToNonHashTable',
              extent,
            );
          const h = new PsHashtable();
          for (const [k, v] of left.entries()) h.set(k, v);
          for (const [k, v] of right.entries()) {
            if (h.has(k))
              throw this.runtimeError(
                `Item has already been added. Key in dictionary: '${toStr(k)}'  Key being added: '${toStr(k)}'`,
                'InvalidOperation',
                'RuntimeException',
                'System.ArgumentException',
                extent,
              );
            h.set(k, v);
          }
          return h;
        }
        if (typeof left === 'string') return left + toStr(right);
        if (typeof left === 'number') {
          const r = toNumber(right);
          if (r === undefined) throw this.conversionError(right, 'System.Int32', extent);
          return left + r;
        }
        throw this.runtimeError(
          `Method invocation failed because [${typeNameOf(left)}] does not contain a method named 'op_Addition'.`,
          'InvalidOperation',
          'RuntimeException',
          'MethodNotFound',
          extent,
        );
      }
      case '-':
      case '*':
      case '/':
      case '%': {
        if (op === '*' && typeof left === 'string') return left.repeat(Math.max(0, toNumber(right) ?? 0));
        const l = toNumber(left);
        const r = toNumber(right);
        if (l === undefined) throw this.conversionError(left, 'System.Int32', extent);
        if (r === undefined) throw this.conversionError(right, 'System.Int32', extent);
        if ((op === '/' || op === '%') && r === 0)
          throw this.runtimeError(
            'Attempted to divide by zero.',
            'NotSpecified',
            'RuntimeException',
            'RuntimeException',
            extent,
          );
        return op === '-' ? l - r : op === '*' ? l * r : op === '/' ? l / r : l % r;
      }
      case 'xor':
        return toBool(left) !== toBool(right);
    }
    throw this.runtimeError(
      `The operator -${op} is not supported by the pvecdk guest emulator.`,
      'NotImplemented',
      'RuntimeException',
      'OperatorNotSupported',
      extent,
    );
  }

  /** Formats an ErrorRecord the way Windows PowerShell 5.1 writes it to a redirected stderr. */
  formatError(record: PsErrorRecord): string[] {
    const lines: string[] = [];
    const head = record.commandName ? `${record.commandName} : ${record.message}` : record.message;
    if (record.category !== 'ParserError') lines.push(...head.split('\n'));
    if (record.extent) {
      const pos = positionOf(this.script, record.extent.start);
      const lineEnd = record.extent.start - pos.col + 1 + pos.text.length;
      const length = Math.max(1, Math.min(record.extent.end, lineEnd) - record.extent.start);
      lines.push(`At line:${pos.line} char:${pos.col}`);
      lines.push(`+ ${pos.text}`);
      lines.push(`+ ${' '.repeat(pos.col - 1)}${'~'.repeat(length)}`);
    }
    if (record.category === 'ParserError') lines.push(...head.split('\n'));
    lines.push(
      `    + CategoryInfo          : ${record.category}: (${record.targetName}:${record.targetType}) [${record.activity}], ${record.reason}`,
    );
    lines.push(`    + FullyQualifiedErrorId : ${record.fullyQualifiedErrorId}`);
    lines.push(' ');
    return lines;
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

function dotnetParamType(p: ParamDef): string {
  switch (p.type) {
    case 'string':
      return p.enumType?.name ?? 'System.String';
    case 'string[]':
      return 'System.String[]';
    case 'int':
      return 'System.Int32';
    case 'bool':
      return 'System.Boolean';
    case 'securestring':
      return 'System.Security.SecureString';
    case 'scriptblock':
      return 'System.Management.Automation.ScriptBlock';
    case 'object[]':
      return 'System.Object[]';
    default:
      return 'System.Object';
  }
}

function bankersRound(n: number): number {
  const f = Math.floor(n);
  const diff = n - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return new Uint8Array(enumerate(v).map((x) => toNumber(x) ?? 0));
}

function encodingObject(enc: 'utf8' | 'utf16le' | 'ascii'): PsObject {
  const o = new PsObject(
    `System.Text.${enc === 'utf8' ? 'UTF8' : enc === 'utf16le' ? 'Unicode' : 'ASCII'}Encoding`,
  );
  o.method('GetString', (args) => Buffer.from(toBytes(args[0])).toString(enc === 'ascii' ? 'latin1' : enc));
  o.method(
    'GetBytes',
    (args) => new Uint8Array(Buffer.from(toStr(args[0]), enc === 'ascii' ? 'latin1' : enc)),
  );
  return o;
}

function consoleIn(stdin: string): PsObject {
  let rest = stdin;
  const reader = new PsObject('System.IO.SyncTextReader');
  reader.method('ReadLine', () => {
    if (rest === '') return null;
    const nl = rest.indexOf('\n');
    const line = nl < 0 ? rest : rest.slice(0, nl);
    rest = nl < 0 ? '' : rest.slice(nl + 1);
    return line.replace(/\r$/, '');
  });
  reader.method('ReadToEnd', () => {
    const all = rest;
    rest = '';
    return all;
  });
  return reader;
}

/** .NET String methods the scripts use; `Split` takes its argument as a set of separator characters, as in .NET Framework. */
function stringMethod(s: string, name: string, args: unknown[], notFound: () => Error): unknown {
  const a = args.map(toStr);
  switch (name) {
    case 'split': {
      if (!args.length) return s.split(/\s/);
      const chars = new Set(enumerate(args[0]).flatMap((x) => toStr(x).split('')));
      const out: string[] = [];
      let cur = '';
      for (const c of s) {
        if (chars.has(c)) {
          out.push(cur);
          cur = '';
        } else cur += c;
      }
      out.push(cur);
      return out;
    }
    case 'replace':
      if (a[0] === '')
        throw new DotNetException(
          'String cannot be of zero length.\r\nParameter name: oldValue',
          'ArgumentException',
        );
      return s.split(a[0]!).join(a[1] ?? '');
    case 'trim':
      return a.length ? trimChars(s, a[0]!, true, true) : s.trim();
    case 'trimstart':
      return a.length ? trimChars(s, a[0]!, true, false) : s.trimStart();
    case 'trimend':
      return a.length ? trimChars(s, a[0]!, false, true) : s.trimEnd();
    case 'tolower':
    case 'tolowerinvariant':
      return s.toLowerCase();
    case 'toupper':
    case 'toupperinvariant':
      return s.toUpperCase();
    case 'contains':
      return s.includes(a[0] ?? '');
    case 'startswith':
      return s.startsWith(a[0] ?? '');
    case 'endswith':
      return s.endsWith(a[0] ?? '');
    case 'indexof':
      return s.indexOf(a[0] ?? '');
    case 'lastindexof':
      return s.lastIndexOf(a[0] ?? '');
    case 'substring': {
      const start = toNumber(args[0]) ?? 0;
      const len = args.length > 1 ? (toNumber(args[1]) ?? 0) : s.length - start;
      if (start < 0 || start > s.length || len < 0 || start + len > s.length)
        throw new DotNetException(
          args.length > 1
            ? 'Index and length must refer to a location within the string.\r\nParameter name: length'
            : 'startIndex cannot be larger than length of string.\r\nParameter name: startIndex',
          'ArgumentOutOfRangeException',
        );
      return s.substr(start, len);
    }
    case 'padleft':
      return s.padStart(toNumber(args[0]) ?? 0, a[1] ?? ' ');
    case 'padright':
      return s.padEnd(toNumber(args[0]) ?? 0, a[1] ?? ' ');
    case 'equals':
      return s === a[0];
    default:
      throw notFound();
  }
}

function trimChars(s: string, chars: string, start: boolean, end: boolean): string {
  let i = 0;
  let j = s.length;
  if (start) while (i < j && chars.includes(s[i]!)) i++;
  if (end) while (j > i && chars.includes(s[j - 1]!)) j--;
  return s.slice(i, j);
}

function psVersionTable(): PsHashtable {
  const h = new PsHashtable();
  h.set('PSVersion', new PsObject('System.Version', { Major: 5, Minor: 1 }, () => '5.1.20348.2652'));
  h.set('PSEdition', 'Desktop');
  h.set('BuildVersion', '10.0.20348.2652');
  h.set('CLRVersion', '4.0.30319.42000');
  return h;
}

/** Default text formatting of an output object: strings as they are, objects as a property list. */
export function formatForOutput(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return v.split(/\r?\n/);
  if (typeof v === 'number' || typeof v === 'boolean') return [toStr(v)];
  if (v instanceof PsObject) {
    if (v.text && v.props.size === 0) return [v.text()];
    const props = [...v.props.values()];
    const width = Math.max(0, ...props.map((p) => p.name.length));
    return ['', ...props.map((p) => `${p.name.padEnd(width)} : ${toStr(p.value)}`), ''];
  }
  if (v instanceof PsHashtable) {
    const rows = v.entries();
    const width = Math.max(4, ...rows.map(([k]) => toStr(k).length));
    return [
      '',
      `${'Name'.padEnd(width)} Value`,
      `${'----'.padEnd(width)} -----`,
      ...rows.map(([k, val]) => `${toStr(k).padEnd(width)} ${toStr(val)}`),
      '',
    ];
  }
  return [toStr(v)];
}
