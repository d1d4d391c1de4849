import { findParam, formatProblem, perlPattern } from './param-validator.ts';
import type { SchemaReturns } from './schema-index.ts';

/** One way an answer differs from the schema's `returns`: where (`data[2].vmid`) and what. */
export interface AnswerMismatch {
  readonly field: string;
  readonly problem: string;
}

/**
 * Checks an answer's `data` against a method's `returns`, by the rules
 * PVE::JSONSchema's `validate` applies when Proxmox verifies results: a
 * missing value is wrong unless `optional` (or the type is `null`); `string`
 * takes any scalar, `integer` and `number` take numerals as text too, and
 * `boolean` takes true/false and 0/1; keys the schema does not list are
 * allowed unless `additionalProperties` is 0; scalars are held to their
 * format, pattern, length, range and enumeration.
 */
export function checkAnswer(returns: SchemaReturns, data: unknown): AnswerMismatch[] {
  const found: AnswerMismatch[] = [];
  checkValue(data, returns, 'data', found);
  return found;
}

const isNumeral = (v: string) => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);
const isIntegerNumeral = (v: string) => /^[+-]?\d+$/.test(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => (Array.isArray(v) ? 'an array' : isObject(v) ? 'an object' : `'${String(v)}'`);

function checkValue(value: unknown, schema: SchemaReturns, field: string, found: AnswerMismatch[]): void {
  if (value === null || value === undefined) {
    if (schema.type !== 'null' && !schema.optional)
      found.push({ field, problem: 'property is missing and it is not optional' });
    return;
  }
  const typeProblem = checkType(value, schema.type);
  if (typeProblem) {
    found.push({ field, problem: typeProblem });
    return;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) for (const [i, item] of value.entries()) checkValue(item, items, `${field}[${i}]`, found);
    return;
  }
  if (isObject(value)) {
    if (schema.properties || schema.additionalProperties) checkObject(value, schema, field, found);
    return;
  }
  const problem = scalarProblem(value as string | number | boolean, schema);
  if (problem) found.push({ field, problem });
}

function checkType(value: unknown, type: SchemaReturns['type']): string | undefined {
  if (type === undefined || type === 'any') return undefined;
  if (Array.isArray(type)) {
    return type.some((t) => checkType(value, t) === undefined)
      ? undefined
      : `type check ('${type.join('|')}') failed - got ${shown(value)}`;
  }
  const failed = `type check ('${String(type)}') failed - got ${shown(value)}`;
  switch (type) {
    case 'null':
      return `type check ('null') failed - value is not null (got ${shown(value)})`;
    case 'array':
      return Array.isArray(value) ? undefined : failed;
    case 'object':
      return isObject(value) ? undefined : failed;
    case 'string':
      return typeof value === 'string' || typeof value === 'number' ? undefined : failed;
    case 'boolean':
      return typeof value === 'boolean' || ['0', '1'].includes(String(value)) ? undefined : failed;
    case 'integer':
      return (typeof value === 'string' || typeof value === 'number') && isIntegerNumeral(String(value))
        ? undefined
        : failed;
    case 'number':
      return (typeof value === 'string' || typeof value === 'number') && isNumeral(String(value))
        ? undefined
        : failed;
    default:
      return undefined;
  }
}

function checkObject(
  value: Record<string, unknown>,
  schema: SchemaReturns,
  field: string,
  found: AnswerMismatch[],
): void {
  const properties = schema.properties ?? {};
  // `net[n]` stands for net0, net1, ... (the schema dump folds indexed keys): each is checked where present.
  for (const [key, sub] of Object.entries(properties))
    if (!key.endsWith('[n]')) checkValue(value[key], sub, `${field}.${key}`, found);
  for (const key of Object.keys(value)) {
    const sub = findParam(properties, key);
    if (sub && !(key in properties)) checkValue(value[key], sub, `${field}.${key}`, found);
    if (sub) {
      if (typeof sub.requires === 'string' && (value[sub.requires] ?? null) === null)
        found.push({
          field: `${field}.${sub.requires}`,
          problem: `missing property - '${field}.${key}' requires this property`,
        });
      continue;
    }
    const extra = schema.additionalProperties;
    if (extra !== undefined && !extra)
      found.push({
        field: `${field}.${key}`,
        problem: 'property is not defined in schema and the schema does not allow additional properties',
      });
    else if (typeof extra === 'object') checkValue(value[key], extra, `${field}.${key}`, found);
  }
}

function scalarProblem(value: string | number | boolean, schema: SchemaReturns): string | undefined {
  const text = String(value);
  if (schema.format) {
    const problem = formatProblem(schema.format, text);
    if (problem) return `invalid format - ${problem}`;
  }
  const pattern = schema.pattern ? perlPattern(schema.pattern) : undefined;
  if (pattern && !pattern.test(text)) return `value '${text}' does not match the regex pattern`;
  if (schema.maxLength !== undefined && text.length > schema.maxLength)
    return `value may only be ${schema.maxLength} characters long`;
  if (schema.minLength !== undefined && text.length < schema.minLength)
    return `value must be at least ${schema.minLength} characters long`;
  if (isNumeral(text)) {
    if (schema.maximum !== undefined && Number(text) > schema.maximum)
      return `value must have a maximum value of ${schema.maximum}`;
    if (schema.minimum !== undefined && Number(text) < schema.minimum)
      return `value must have a minimum value of ${schema.minimum}`;
  }
  if (schema.enum && !schema.enum.includes(text))
    return `value '${text}' does not have a value in the enumeration '${schema.enum.join(', ')}'`;
  return undefined;
}
