import { cmdletRecord } from './powershell-commands.ts';
import { expr } from './powershell-expressions.ts';
import {
  type CmdletDef,
  type ParamDef,
  type PsInterpreter,
  PsRuntimeError,
} from './powershell-interpreter.ts';
import type { PsArg, PsElement, PsExpr } from './powershell-parser.ts';
import {
  enumerate,
  PsScriptBlock,
  PsSecureString,
  toBool,
  toNumber,
  toStr,
  typeNameOf,
} from './powershell-values.ts';

/**
 * The parameter binder: named arguments by name, unambiguous prefix or alias,
 * then positional ones, each converted to the parameter's type with the
 * errors Windows PowerShell 5.1's binder writes.
 */

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

/** Binds named and positional arguments to a cmdlet's parameters, with PowerShell's errors. */
export function bind(
  ip: PsInterpreter,
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
      cmdletRecord(
        ip,
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
      positional.push({ value: expr(ip, arg.expr), arg });
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
      params[p.name] = arg.value ? toBool(expr(ip, arg.value)) : true;
      set.add(p.name);
      continue;
    }
    let value: unknown;
    if (arg.value) value = expr(ip, arg.value);
    else {
      const next = el.args[i + 1];
      if (!next || next.k === 'param')
        bindError(
          `Missing an argument for parameter '${p.name}'. Specify a parameter of type '${dotnetParamType(p)}' and try again.`,
          'MissingArgument',
          p.name,
        );
      value = expr(ip, (next as { expr: PsExpr }).expr);
      i++;
    }
    params[p.name] = convertParam(ip, def, p, value, el);
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
      params[p.name] = convertParam(ip, def, p, value, el);
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

export function convertParam(
  ip: PsInterpreter,
  def: CmdletDef,
  p: ParamDef,
  value: unknown,
  el: Extract<PsElement, { k: 'command' }>,
): unknown {
  const fail = (message: string, errorId: string): never => {
    throw new PsRuntimeError(
      cmdletRecord(
        ip,
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
