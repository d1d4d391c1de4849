import { DotNetException, type PsInterpreter, PsRuntimeError } from './powershell-interpreter.ts';
import { callMethod, indexInto } from './powershell-members.ts';
import { binary, cast, conversionError } from './powershell-operators.ts';
import type { PsExpr, PsExtent } from './powershell-parser.ts';
import { staticMember } from './powershell-static-members.ts';
import {
  collapse,
  enumerate,
  PsHashtable,
  PsObject,
  PsScriptBlock,
  PsType,
  toBool,
  toNumber,
  toStr,
  typeNameOf,
} from './powershell-values.ts';

/**
 * Expressions: constants, variables ($env: included), arrays, hashtables,
 * script blocks, member access and method calls, and assignments to
 * variables, properties and elements.
 */

export function expr(ip: PsInterpreter, e: PsExpr): unknown {
  switch (e.k) {
    case 'const':
      return e.value;
    case 'expandable':
      return e.parts.map((p) => (typeof p === 'string' ? p : toStr(expr(ip, p)))).join('');
    case 'var':
      return variable(ip, e.name, e.e);
    case 'array':
      return e.items.map((i) => expr(ip, i));
    case 'arraysub':
      return [...ip.block(e.body)];
    case 'subexpr':
      return collapse(ip.block(e.body));
    case 'paren': {
      if (e.stmt.k === 'pipeline' && e.stmt.elements.length === 1 && e.stmt.elements[0]!.k === 'expr')
        return expr(ip, e.stmt.elements[0]!.expr);
      return collapse(ip.statement(e.stmt));
    }
    case 'hash':
      return hashLiteral(ip, e, false);
    case 'scriptblock':
      return new PsScriptBlock(e.body, e.text);
    case 'type':
      return new PsType(e.name);
    case 'cast':
      if (e.type.toLowerCase() === 'ordered') {
        // [ordered] is not a type: it makes an OrderedDictionary of a hash literal, and only of one.
        if (e.expr.k !== 'hash')
          throw ip.runtimeError(
            'The ordered attribute can be specified only on a hash literal node.',
            'ParserError',
            'ParentContainsErrorRecordException',
            'OrderedAttributeOnlyOnHashLiteralNode',
            e.e,
          );
        return hashLiteral(ip, e.expr, true);
      }
      return cast(ip, e.type, expr(ip, e.expr), e.e);
    case 'member':
      return member(ip, e);
    case 'invoke':
      return invoke(ip, e);
    case 'index':
      return indexInto(ip, expr(ip, e.target), expr(ip, e.index), e.e);
    case 'unary': {
      const v = expr(ip, e.expr);
      if (e.op === 'not') return !toBool(v);
      if (e.op === '-') {
        const n = toNumber(v);
        if (n === undefined) throw conversionError(ip, v, 'System.Int32', e.e);
        return -n;
      }
      if (e.op === '+') return toNumber(v) ?? 0;
      if (e.op === 'join') return enumerate(v).map(toStr).join('');
      if (e.op === 'split') return toStr(v).trim().split(/\s+/);
      throw ip.runtimeError(
        `The operator -${e.op} is not supported by the pvecdk guest emulator.`,
        'NotImplemented',
        'RuntimeException',
        'OperatorNotSupported',
        e.e,
      );
    }
    case 'binary': {
      if (e.op === 'and') return toBool(expr(ip, e.left)) && toBool(expr(ip, e.right));
      if (e.op === 'or') return toBool(expr(ip, e.left)) || toBool(expr(ip, e.right));
      return binary(ip, e.op, expr(ip, e.left), expr(ip, e.right), e.e);
    }
  }
}

export function variable(ip: PsInterpreter, name: string, extent: PsExtent): unknown {
  const lower = name.toLowerCase();
  if (lower === 'null') return null;
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === '?') return ip.lastOk;
  if (lower.startsWith('env:')) {
    // Environment variables come from a provider: an unset one is $null even under strict mode.
    return ip.host.env.get(lower.slice(4))?.value ?? null;
  }
  if (!ip.vars.has(lower)) {
    if (ip.strictVersion >= 1)
      throw ip.runtimeError(
        `The variable '$${name}' cannot be retrieved because it has not been set.`,
        'InvalidOperation',
        'RuntimeException',
        'VariableIsUndefined',
        extent,
        name,
      );
    return null;
  }
  return ip.vars.get(lower) ?? null;
}

export function propertyNotFound(ip: PsInterpreter, name: string, extent: PsExtent): PsRuntimeError {
  return ip.runtimeError(
    `The property '${name}' cannot be found on this object. Verify that the property exists.`,
    'NotSpecified',
    'PropertyNotFoundException',
    'PropertyNotFoundStrict',
    extent,
  );
}

export function member(ip: PsInterpreter, e: Extract<PsExpr, { k: 'member' }>): unknown {
  const target = expr(ip, e.target);
  const name = toStr(expr(ip, e.name));
  if (e.isStatic) return staticMember(ip, target, name, undefined, e.e);
  return getMember(ip, target, name, e.e);
}

export function getMember(ip: PsInterpreter, target: unknown, name: string, extent: PsExtent): unknown {
  const lower = name.toLowerCase();
  if (target === null || target === undefined) {
    if (ip.strictVersion >= 2) throw propertyNotFound(ip, name, extent);
    return null;
  }
  // Every object has the intrinsic PSObject member: a view of its properties (`.PSObject.Properties`).
  if (lower === 'psobject') return psObjectView(target);
  if (typeof target === 'string') {
    if (lower === 'length') return target.length;
  } else if (Array.isArray(target)) {
    if (lower === 'count' || lower === 'length') return target.length;
    if (lower === 'rank') return 1;
    // Member enumeration: the property of each element.
    const values = target
      .map((t) => {
        try {
          return getMember(ip, t, name, extent);
        } catch {
          return undefined;
        }
      })
      .filter((v) => v !== undefined);
    if (!values.length && target.length && ip.strictVersion >= 2) throw propertyNotFound(ip, name, extent);
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
  if (ip.strictVersion >= 2) throw propertyNotFound(ip, name, extent);
  return null;
}

export function invoke(ip: PsInterpreter, e: Extract<PsExpr, { k: 'invoke' }>): unknown {
  const target = expr(ip, e.target);
  const name = toStr(expr(ip, e.name));
  const args = e.args.map((a) => expr(ip, a));
  if (e.isStatic) return staticMember(ip, target, name, args, e.e);
  if (target === null || target === undefined)
    throw ip.runtimeError(
      'You cannot call a method on a null-valued expression.',
      'InvalidOperation',
      'RuntimeException',
      'InvokeMethodOnNull',
      e.e,
    );
  try {
    return callMethod(ip, target, name, args, e.e);
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

export function assign(ip: PsInterpreter, target: PsExpr, op: '=' | '+=', valueIn: unknown): void {
  let value = valueIn;
  if (op === '+=') value = binary(ip, '+', expr(ip, target), value, target.e);
  if (target.k === 'var') {
    const name = target.name;
    if (name.toLowerCase().startsWith('env:')) {
      const key = name.slice(4);
      if (value === null) ip.host.env.delete(key.toLowerCase());
      else ip.host.env.set(key.toLowerCase(), { name: key, value: toStr(value) });
      return;
    }
    if (['true', 'false', 'null'].includes(name.toLowerCase()))
      throw ip.runtimeError(
        `Cannot overwrite variable ${name} because it is read-only or constant.`,
        'WriteError',
        'SessionStateUnauthorizedAccessException',
        'VariableNotWritable',
        target.e,
        name,
      );
    ip.setVar(name, value);
    return;
  }
  if (target.k === 'member') {
    const obj = expr(ip, target.target);
    const name = toStr(expr(ip, target.name));
    if (obj instanceof PsHashtable) {
      obj.set(name, value);
      return;
    }
    if (obj instanceof PsObject) {
      if (obj.set(name, value)) return;
      if (!obj.get(name).found)
        throw ip.runtimeError(
          `The property '${name}' cannot be found on this object. Verify that the property exists and can be set.`,
          'InvalidOperation',
          'RuntimeException',
          'PropertyAssignmentException',
          target.e,
        );
      throw ip.runtimeError(
        `'${name}' is a ReadOnly property.`,
        'InvalidOperation',
        'RuntimeException',
        'PropertyAssignmentException',
        target.e,
      );
    }
    if (obj === null)
      throw ip.runtimeError(
        `The property '${name}' cannot be found on this object. Verify that the property exists and can be set.`,
        'InvalidOperation',
        'RuntimeException',
        'PropertyNotFound',
        target.e,
      );
    throw ip.runtimeError(
      `'${name}' is a ReadOnly property.`,
      'InvalidOperation',
      'RuntimeException',
      'PropertyAssignmentException',
      target.e,
    );
  }
  if (target.k === 'index') {
    const obj = expr(ip, target.target);
    const index = expr(ip, target.index);
    if (obj instanceof PsHashtable) obj.set(index, value);
    else if (Array.isArray(obj)) {
      const i = toNumber(index) ?? 0;
      if (i >= obj.length || i < -obj.length)
        throw ip.runtimeError(
          'Index was outside the bounds of the array.',
          'InvalidOperation',
          'RuntimeException',
          'IndexOutOfRange',
          target.e,
        );
      obj[i < 0 ? obj.length + i : i] = value;
    } else
      throw ip.runtimeError(
        `Unable to index into an object of type ${typeNameOf(obj)}.`,
        'InvalidOperation',
        'RuntimeException',
        'CannotIndex',
        target.e,
      );
  }
}

/** `@{...}` (an OrderedDictionary when `[ordered]`): keys in order, a duplicate key refused. */
function hashLiteral(ip: PsInterpreter, e: Extract<PsExpr, { k: 'hash' }>, ordered: boolean): PsHashtable {
  const h = new PsHashtable(ordered);
  for (const [k, v] of e.entries) {
    const key = expr(ip, k);
    if (h.has(key))
      throw ip.runtimeError(
        `Duplicate keys '${toStr(key)}' are not allowed in hash literals.`,
        'InvalidOperation',
        'RuntimeException',
        'DuplicateKeyInHashLiteral',
        k.e,
      );
    // A value that is one expression keeps its value as it is (an array stays an array, even of one or none).
    const only = v.k === 'pipeline' && v.elements.length === 1 ? v.elements[0] : undefined;
    h.set(key, only?.k === 'expr' ? expr(ip, only.expr) : collapse(ip.statement(v)));
  }
  return h;
}

/** `$x.PSObject`: the base object, its type names and its properties (Name, Value, MemberType), as a snapshot. */
function psObjectView(target: unknown): PsObject {
  const entries: Array<[string, unknown, string]> = [];
  if (target instanceof PsObject) {
    const note = target.typeName === 'System.Management.Automation.PSCustomObject';
    for (const p of target.props.values())
      entries.push([p.name, p.value, note ? 'NoteProperty' : 'Property']);
  } else if (target instanceof PsHashtable) {
    entries.push(
      ['IsReadOnly', false, 'Property'],
      ['IsFixedSize', false, 'Property'],
      ['IsSynchronized', false, 'Property'],
      ['Keys', target.entries().map(([k]) => k), 'Property'],
      ['Values', target.entries().map(([, v]) => v), 'Property'],
      ['SyncRoot', target, 'Property'],
      ['Count', target.size, 'Property'],
    );
  } else if (typeof target === 'string') entries.push(['Length', target.length, 'Property']);
  else if (Array.isArray(target))
    entries.push(
      ['Length', target.length, 'Property'],
      ['LongLength', target.length, 'Property'],
      ['Rank', 1, 'Property'],
      ['IsReadOnly', false, 'Property'],
      ['IsFixedSize', true, 'Property'],
      ['IsSynchronized', false, 'Property'],
      ['Count', target.length, 'Property'],
    );
  const properties = entries.map(
    ([name, value, memberType]) =>
      new PsObject(
        `System.Management.Automation.PS${memberType}`,
        {
          Name: name,
          Value: value,
          MemberType: memberType,
          IsGettable: true,
          IsSettable: memberType === 'NoteProperty',
          TypeNameOfValue: typeNameOf(value),
        },
        () => `${typeNameOf(value).replace(/^System\./, '')} ${name}=${toStr(value)}`,
      ),
  );
  const type = typeNameOf(target);
  return new PsObject(
    'System.Management.Automation.PSObject',
    { BaseObject: target, Properties: properties, TypeNames: [type, 'System.Object'] },
    () => toStr(target),
  );
}
