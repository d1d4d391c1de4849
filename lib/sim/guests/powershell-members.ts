import { DotNetException, type PsInterpreter, type PsRuntimeError } from './powershell-interpreter.ts';
import type { PsExtent } from './powershell-parser.ts';
import {
  collapse,
  enumerate,
  PsHashtable,
  PsObject,
  PsSecureString,
  psEquals,
  toNumber,
  toStr,
  typeNameOf,
} from './powershell-values.ts';

/**
 * Instance methods (strings, arrays, hashtables, emulated objects) and
 * indexing, with the errors PowerShell writes for a missing method or an
 * index out of range.
 */

export function methodNotFound(
  ip: PsInterpreter,
  target: unknown,
  name: string,
  extent: PsExtent,
): PsRuntimeError {
  return ip.runtimeError(
    `Method invocation failed because [${typeNameOf(target)}] does not contain a method named '${name}'.`,
    'InvalidOperation',
    'RuntimeException',
    'MethodNotFound',
    extent,
  );
}

export function callMethod(
  ip: PsInterpreter,
  target: unknown,
  name: string,
  args: unknown[],
  extent: PsExtent,
): unknown {
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
    return stringMethod(target, lower, args, () => methodNotFound(ip, target, name, extent));
  if (Array.isArray(target)) {
    if (lower === 'contains') return target.some((t) => psEquals(t, args[0], true));
    if (lower === 'indexof') return target.findIndex((t) => psEquals(t, args[0], true));
    // Method enumeration over elements.
    return collapse(target.map((t) => callMethod(ip, t, name, args, extent)));
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
  throw methodNotFound(ip, target, name, extent);
}

export function indexInto(ip: PsInterpreter, target: unknown, index: unknown, extent: PsExtent): unknown {
  if (target === null || target === undefined) {
    throw ip.runtimeError(
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
      if (ip.strictVersion >= 3)
        throw ip.runtimeError(
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
  if (Array.isArray(index)) return index.map((i) => indexInto(ip, target, i, extent));
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
  if (ip.strictVersion >= 3)
    throw ip.runtimeError(
      'Index was outside the bounds of the array.',
      'OperationStopped',
      'IndexOutOfRangeException',
      'System.IndexOutOfRangeException',
      extent,
    );
  return null;
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
