import type { PsInterpreter, PsRuntimeError } from './powershell-interpreter.ts';
import type { PsExtent } from './powershell-parser.ts';
import {
  enumerate,
  PsHashtable,
  PsSecureString,
  PsType,
  psCompare,
  psEquals,
  resolveTypeName,
  toBool,
  toNumber,
  toStr,
  typeNameOf,
  wildcard,
} from './powershell-values.ts';

/** Conversions (`[type]value`) and the binary operators, with PowerShell's rules for each side's type. */

export function conversionError(
  ip: PsInterpreter,
  v: unknown,
  type: string,
  extent: PsExtent,
  detail = 'Input string was not in a correct format.',
): PsRuntimeError {
  return ip.runtimeError(
    `Cannot convert value "${toStr(v)}" to type "${type}". Error: "${detail}"`,
    'InvalidArgument',
    'RuntimeException',
    'InvalidCastFromStringToInteger',
    extent,
  );
}

export function cast(ip: PsInterpreter, typeIn: string, v: unknown, extent: PsExtent): unknown {
  const type = resolveTypeName(typeIn);
  switch (type) {
    case 'System.String':
      return v === null ? '' : toStr(v);
    case 'System.Char': {
      if (typeof v === 'number') return String.fromCharCode(v);
      const s = toStr(v);
      if (s.length !== 1)
        throw conversionError(ip, v, 'System.Char', extent, 'String must be exactly one character long.');
      return s;
    }
    case 'System.Int32':
    case 'System.Int64':
    case 'System.Byte': {
      const n = toNumber(v);
      if (n === undefined) throw conversionError(ip, v, type, extent);
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
      throw ip.runtimeError(
        `Cannot convert the "${toStr(v)}" value of type "${typeNameOf(v)}" to type "System.Security.SecureString".`,
        'InvalidArgument',
        'RuntimeException',
        'ConvertToFinalInvalidCastException',
        extent,
      );
  }
  throw ip.runtimeError(
    `Unable to find type [${typeIn}].`,
    'InvalidOperation',
    'RuntimeException',
    'TypeNotFound',
    extent,
    typeIn,
  );
}

export function binary(
  ip: PsInterpreter,
  opIn: string,
  left: unknown,
  right: unknown,
  extent: PsExtent,
): unknown {
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
          ip.setVar('Matches', h);
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
          throw ip.runtimeError(
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
            throw ip.runtimeError(
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
        if (r === undefined) throw conversionError(ip, right, 'System.Int32', extent);
        return left + r;
      }
      throw ip.runtimeError(
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
      if (l === undefined) throw conversionError(ip, left, 'System.Int32', extent);
      if (r === undefined) throw conversionError(ip, right, 'System.Int32', extent);
      if ((op === '/' || op === '%') && r === 0)
        throw ip.runtimeError(
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
  throw ip.runtimeError(
    `The operator -${op} is not supported by the pvecdk guest emulator.`,
    'NotImplemented',
    'RuntimeException',
    'OperatorNotSupported',
    extent,
  );
}

function bankersRound(n: number): number {
  const f = Math.floor(n);
  const diff = n - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
