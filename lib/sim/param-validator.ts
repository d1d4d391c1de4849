import type { SchemaMethod, SchemaParam } from './schema-index.ts';

/** A parameter value as the server received it: form values are strings, JSON bodies may carry other types. */
export type RawValue = string | number | boolean | readonly string[];

const MSG = {
  missing: 'property is missing and it is not optional',
  unknown: 'property is not defined in schema and the schema does not allow additional properties',
  type: (type: string, got: unknown) => `type check ('${type}') failed - got '${String(got)}'`,
  min: (n: number) => `value must have a minimum value of ${n}`,
  max: (n: number) => `value must have a maximum value of ${n}`,
  length: (n: number) => `value may only be ${n} characters long`,
  pattern: 'value does not match the regex pattern',
  enumeration: (v: string, e: readonly string[]) =>
    `value '${v}' does not have a value in the enumeration '${e.join(', ')}'`,
};

/** Checks for the named formats clients trip on; other named formats are accepted as strings. */
const NAMED_FORMATS: Record<string, { test: (v: string) => boolean; message: string }> = {
  'pve-node': {
    test: (v) => /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v),
    message: 'value does not look like a valid node name',
  },
  'dns-name': {
    test: (v) =>
      /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(v),
    message: 'value does not look like a valid DNS name',
  },
  'pve-storage-id': {
    test: (v) => /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v),
    message: 'storage ID contains illegal characters',
  },
  'pve-configid': { test: (v) => /^[a-z][a-z0-9_-]+$/i.test(v), message: 'invalid configuration ID' },
  'mac-addr': {
    test: (v) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v),
    message: 'value does not look like a valid MAC address',
  },
  'pve-bridge-id': { test: (v) => /^[-_.\w\d]+$/.test(v), message: 'invalid bridge ID' },
  'pve-poolid': { test: (v) => /^[A-Za-z0-9_\-.]+$/.test(v), message: 'invalid pool ID' },
  ip: {
    test: (v) => /^\d{1,3}(\.\d{1,3}){3}$/.test(v) || v.includes(':'),
    message: 'value does not look like a valid IP address',
  },
  'pve-tag-list': {
    test: (v) => v.split(/[;, ]+/).every((t) => t === '' || /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(t)),
    message: 'invalid characters in tag',
  },
};

export interface ValidationResult {
  /** Typed parameters for the handler: integers and booleans as numbers. */
  readonly params: Record<string, unknown>;
  /** Proxmox's `errors` map of a 400; empty when valid. */
  readonly errors: Record<string, string>;
}

/** The schema entry for `key`: exact, or an indexed one (`net[n]` for `net0`). */
export function findParam<T>(properties: Readonly<Record<string, T>>, key: string): T | undefined {
  // Own keys only: `__proto__` or `constructor` must not find Object.prototype's members.
  if (Object.hasOwn(properties, key)) return properties[key];
  const m = /^([a-z_-]+?)(\d+)$/i.exec(key);
  return m && Object.hasOwn(properties, `${m[1]}[n]`) ? properties[`${m[1]}[n]`] : undefined;
}

/** Sets a key as an own property, whatever its name (`__proto__` included), never a prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Validates one call's parameters against its schema method, the way
 * PVE::JSONSchema does: every error collected, each under its parameter
 * name, with Proxmox's texts.
 */
export function validateParams(
  method: SchemaMethod,
  raw: Record<string, RawValue>,
  fromJson: boolean,
): ValidationResult {
  const properties = method.parameters?.properties ?? {};
  const errors: Record<string, string> = {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const schema = findParam(properties, key);
    if (!schema) {
      if (method.parameters?.additionalProperties === 1) setOwn(params, key, value);
      else setOwn(errors, key, MSG.unknown);
      continue;
    }
    const checked = checkValue(schema, value, fromJson);
    if (checked instanceof Invalid) setOwn(errors, key, checked.error);
    else setOwn(params, key, checked);
  }
  for (const [key, schema] of Object.entries(properties)) {
    if (key.endsWith('[n]') || schema.optional) continue;
    if (!(key in raw)) errors[key] = MSG.missing;
  }
  return { params, errors };
}

const patternCache = new Map<string, RegExp | undefined>();

/**
 * The schema's patterns are Perl regular expressions: `(?^:...)` and
 * `(?^i:...)` groups become plain groups (with the `i` flag when asked), `\z`
 * becomes `$`. A pattern JavaScript still cannot read is not enforced.
 */
export function perlPattern(source: string): RegExp | undefined {
  if (patternCache.has(source)) return patternCache.get(source);
  const insensitive = /\(\?\^\w*i\w*:/.test(source);
  const js = source.replace(/\(\?\^\w*:/g, '(?:').replace(/\\z/g, '$');
  let re: RegExp | undefined;
  try {
    re = new RegExp(`^(?:${js})$`, insensitive ? 'i' : '');
  } catch {
    re = undefined;
  }
  patternCache.set(source, re);
  return re;
}

/** A failed check; anything else a check returns is the typed value. */
class Invalid {
  constructor(readonly error: string) {}
}

type Checked = unknown;

function checkValue(schema: SchemaParam, value: RawValue, fromJson: boolean): Checked {
  if (Array.isArray(value)) {
    if (schema.type === 'array')
      return value.map((v) => checkScalar(schema.items ?? { type: 'string' }, v, fromJson));
    return checkScalar(schema, value.join(','), fromJson);
  }
  return checkScalar(schema, value as string | number | boolean, fromJson);
}

function checkScalar(schema: SchemaParam, value: string | number | boolean, fromJson: boolean): Checked {
  const type = schema.type ?? 'string';
  if (type === 'integer' || type === 'number') {
    const text = String(value);
    const ok = type === 'integer' ? /^-?\d+$/.test(text) : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text);
    if (!ok || typeof value === 'boolean') return new Invalid(MSG.type(type, value));
    const n = Number(text);
    if (schema.minimum !== undefined && n < schema.minimum) return new Invalid(MSG.min(schema.minimum));
    if (schema.maximum !== undefined && n > schema.maximum) return new Invalid(MSG.max(schema.maximum));
    return n;
  }
  if (type === 'boolean') {
    if (value === true || value === 1 || value === '1') return 1;
    if (value === false || value === 0 || value === '0') return 0;
    if (fromJson && (value === 'true' || value === 'false')) return value === 'true' ? 1 : 0;
    return new Invalid(MSG.type('boolean', value));
  }
  const text = String(value);
  if (schema.enum && !schema.enum.includes(text)) return new Invalid(MSG.enumeration(text, schema.enum));
  if (schema.maxLength !== undefined && text.length > schema.maxLength)
    return new Invalid(MSG.length(schema.maxLength));
  const pattern = schema.pattern ? perlPattern(schema.pattern) : undefined;
  if (pattern && !pattern.test(text)) return new Invalid(MSG.pattern);
  const problem = schema.format ? formatProblem(schema.format, text, fromJson) : undefined;
  if (problem) return new Invalid(`invalid format - ${problem}`);
  return text;
}

/** What is wrong with `text` in a named format or a property-string format; undefined when it fits. */
export function formatProblem(
  format: NonNullable<SchemaParam['format']>,
  text: string,
  fromJson = false,
): string | undefined {
  if (typeof format === 'string') {
    const named = NAMED_FORMATS[format];
    return named && !named.test(text) ? named.message : undefined;
  }
  return checkPropertyString(format, text, fromJson);
}

/** `virtio=BC:..,bridge=vmbr1,firewall=1`: every sub-key known and valid, the bare first value under the default key. */
export function checkPropertyString(
  format: Record<string, SchemaParam & { default_key?: number; alias?: string; keyAlias?: string }>,
  text: string,
  fromJson: boolean,
): string | undefined {
  const defaultKey = Object.entries(format).find(([, f]) => f.default_key)?.[0];
  const seen = new Set<string>();
  for (const [i, part] of text.split(',').entries()) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (i !== 0 || !defaultKey) return `value without key, but schema does not define a default key`;
      key = defaultKey;
      value = part;
    } else {
      key = part.slice(0, eq);
      value = part.slice(eq + 1);
    }
    let sub = format[key];
    if (sub?.alias) {
      // `virtio=<mac>`: the key names the model, the value is the MAC.
      const target = format[sub.alias];
      if (!target) return `unknown key '${key}'`;
      seen.add(sub.keyAlias ?? key);
      key = sub.alias;
      sub = target;
    }
    if (!sub) return `property '${key}' is not defined in the format`;
    if (seen.has(key)) return `duplicate key in comma-separated list property: ${key}`;
    seen.add(key);
    const checked = checkScalar(sub, value, fromJson);
    if (checked instanceof Invalid) return `${key}: ${checked.error}`;
  }
  for (const [key, f] of Object.entries(format)) {
    if (!f.optional && !f.alias && f.default === undefined && !seen.has(key) && !f.keyAlias) {
      return `property '${key}' is missing and it is not optional`;
    }
  }
  return undefined;
}
