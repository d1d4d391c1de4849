/**
 * PowerShell values as the emulated interpreter holds them: JS null, boolean,
 * number, string and arrays, plus the object kinds below. Property and key
 * lookups are case-insensitive, as in PowerShell.
 */

export class PsHashtable {
  /** `[ordered]@{...}`: an OrderedDictionary. (Both keep insertion order here; see the README.) */
  constructor(readonly ordered = false) {}

  private readonly map = new Map<string, { key: unknown; value: unknown }>();

  private static norm(key: unknown): string {
    return typeof key === 'string' ? `s:${key.toLowerCase()}` : `o:${String(key)}`;
  }

  get(key: unknown): unknown {
    return this.map.get(PsHashtable.norm(key))?.value ?? null;
  }

  has(key: unknown): boolean {
    return this.map.has(PsHashtable.norm(key));
  }

  set(key: unknown, value: unknown): void {
    const k = PsHashtable.norm(key);
    const existing = this.map.get(k);
    this.map.set(k, { key: existing?.key ?? key, value });
  }

  delete(key: unknown): void {
    this.map.delete(PsHashtable.norm(key));
  }

  get size(): number {
    return this.map.size;
  }

  entries(): Array<[unknown, unknown]> {
    return [...this.map.values()].map((e) => [e.key, e.value]);
  }
}

export type PsMethod = (args: unknown[]) => unknown;

/**
 * An object with a .NET type name, properties (read-only unless `setters`
 * allow a write) and methods, e.g. a LocalUser, a firewall rule, an ACL or
 * the WScript.Shell shortcut.
 */
export class PsObject {
  readonly props = new Map<string, { name: string; value: unknown }>();
  readonly methods = new Map<string, PsMethod>();
  /** Writable properties: a setter, or `true` to store the value as is. */
  readonly setters = new Map<string, ((value: unknown) => void) | true>();

  constructor(
    readonly typeName: string,
    props: Record<string, unknown> = {},
    /** How the object prints as a string (e.g. a user's name); defaults to the type name. */
    readonly text?: () => string,
  ) {
    for (const [k, v] of Object.entries(props)) this.props.set(k.toLowerCase(), { name: k, value: v });
  }

  get(name: string): { found: boolean; value: unknown } {
    const p = this.props.get(name.toLowerCase());
    return p ? { found: true, value: p.value } : { found: false, value: null };
  }

  set(name: string, value: unknown): boolean {
    const key = name.toLowerCase();
    const setter = this.setters.get(key);
    if (!setter) return false;
    const prop = this.props.get(key);
    if (setter !== true) setter(value);
    this.props.set(key, { name: prop?.name ?? name, value });
    return true;
  }

  method(name: string, f: PsMethod): this {
    this.methods.set(name.toLowerCase(), f);
    return this;
  }

  writable(name: string, setter: ((value: unknown) => void) | true = true): this {
    this.setters.set(name.toLowerCase(), setter);
    return this;
  }
}

/** A SecureString: the text never prints. */
export class PsSecureString {
  constructor(readonly plain: string) {}
}

export class PsScriptBlock {
  constructor(
    readonly body: import('./powershell-parser.ts').PsStatement[],
    readonly text: string,
  ) {}
}

/** A type literal such as `[Environment]`. */
export class PsType {
  constructor(readonly name: string) {}
}

const TYPE_ALIASES: Record<string, string> = {
  string: 'System.String',
  char: 'System.Char',
  int: 'System.Int32',
  int32: 'System.Int32',
  long: 'System.Int64',
  int64: 'System.Int64',
  bool: 'System.Boolean',
  boolean: 'System.Boolean',
  double: 'System.Double',
  object: 'System.Object',
  array: 'System.Array',
  hashtable: 'System.Collections.Hashtable',
  environment: 'System.Environment',
  console: 'System.Console',
  convert: 'System.Convert',
  'text.encoding': 'System.Text.Encoding',
  'io.file': 'System.IO.File',
  'io.path': 'System.IO.Path',
  math: 'System.Math',
  securestring: 'System.Security.SecureString',
  'string[]': 'System.String[]',
  'object[]': 'System.Object[]',
  byte: 'System.Byte',
  'byte[]': 'System.Byte[]',
  guid: 'System.Guid',
  scriptblock: 'System.Management.Automation.ScriptBlock',
  pscustomobject: 'System.Management.Automation.PSObject',
  psobject: 'System.Management.Automation.PSObject',
};

/** The full name of a type literal (`[int]` → System.Int32); unknown names come back as written. */
export function resolveTypeName(name: string): string {
  const lower = name.toLowerCase();
  if (TYPE_ALIASES[lower]) return TYPE_ALIASES[lower]!;
  if (lower.startsWith('system.')) {
    const short = lower.slice(7);
    if (TYPE_ALIASES[short]) return TYPE_ALIASES[short]!;
    const full = Object.values(TYPE_ALIASES).find((t) => t.toLowerCase() === lower);
    if (full) return full;
  }
  return name;
}

export function typeNameOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'System.String';
  if (typeof v === 'boolean') return 'System.Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'System.Int32' : 'System.Double';
  if (Array.isArray(v)) return 'System.Object[]';
  if (v instanceof PsHashtable)
    return v.ordered ? 'System.Collections.Specialized.OrderedDictionary' : 'System.Collections.Hashtable';
  if (v instanceof PsObject) return v.typeName;
  if (v instanceof PsSecureString) return 'System.Security.SecureString';
  if (v instanceof PsScriptBlock) return 'System.Management.Automation.ScriptBlock';
  if (v instanceof PsType) return 'System.RuntimeType';
  if (v instanceof Uint8Array) return 'System.Byte[]';
  return 'System.Object';
}

/** The short type name used in CategoryInfo (`String`, `Object[]`). */
export function shortTypeName(v: unknown): string {
  const full = typeNameOf(v);
  return full.slice(full.lastIndexOf('.') + 1);
}

export function toBool(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length === 0 ? false : v.length === 1 ? toBool(v[0]) : true;
  return true;
}

export function toStr(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : '-Infinity';
  if (Array.isArray(v)) return v.map(toStr).join(' ');
  if (v instanceof PsObject) return v.text ? v.text() : v.typeName;
  if (v instanceof PsHashtable) return typeNameOf(v);
  if (v instanceof PsSecureString) return 'System.Security.SecureString';
  if (v instanceof PsScriptBlock) return v.text;
  if (v instanceof PsType) return resolveTypeName(v.name);
  if (v instanceof Uint8Array) return [...v].join(' ');
  return String(v);
}

/** A number from a value, or undefined when PowerShell could not convert it. */
export function toNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return 0;
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return Number(t);
    if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t, 16);
    return undefined;
  }
  if (Array.isArray(v) && v.length === 1) return toNumber(v[0]);
  return undefined;
}

/** Pipeline semantics: arrays unroll, null is nothing. */
export function enumerate(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v;
  return [v];
}

/** What an assignment stores from a pipeline's output: nothing → $null, one → it, more → an array. */
export function collapse(items: unknown[]): unknown {
  if (items.length === 0) return null;
  if (items.length === 1) return items[0];
  return items;
}

/** `-eq` between two scalars, PowerShell-style: the right side is converted to the left side's type; strings compare case-insensitively unless `caseSensitive`. */
export function psEquals(left: unknown, right: unknown, caseSensitive = false): boolean {
  if (left === null || left === undefined) return right === null || right === undefined;
  if (right === null || right === undefined) return false;
  if (typeof left === 'string') {
    const r = toStr(right);
    return caseSensitive ? left === r : left.toLowerCase() === r.toLowerCase();
  }
  if (typeof left === 'number') {
    const r = toNumber(right);
    return r !== undefined && r === left;
  }
  if (typeof left === 'boolean') return left === toBool(right);
  return left === right;
}

/** `-lt`/`-gt` ordering: numbers numerically, strings case-insensitively. */
export function psCompare(left: unknown, right: unknown, caseSensitive = false): number {
  if (typeof left === 'number') {
    const r = toNumber(right);
    if (r === undefined) throw new Error(`Could not compare "${toStr(left)}" to "${toStr(right)}".`);
    return left - r;
  }
  const a = caseSensitive ? toStr(left) : toStr(left).toLowerCase();
  const b = caseSensitive ? toStr(right) : toStr(right).toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A PowerShell wildcard pattern (`*`, `?`, `[a-z]`) as a RegExp. */
export function wildcard(pattern: string, caseSensitive = false): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '`' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, close).replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseSensitive ? '' : 'i');
}
