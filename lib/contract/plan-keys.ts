import type { z } from 'zod';
import { camelCase, snakeCase } from './key-case.ts';
import { type SchemaShape, shapeOf, unwrap } from './schema-walk.ts';

/**
 * Converts props as a construct received them (camelCase, the cdktf
 * bindings' naming) to the plan's snake_case, following the contract: object
 * keys are converted, keys of data maps (`sections`, `prune_backups`,
 * `triggers`) are the user's own and kept as given. Values that are not plain
 * data (tokens such as references and secrets) are kept as they are.
 */
export function toPlanKeys(value: unknown, schema: z.ZodType | undefined): unknown {
  if (Array.isArray(value)) {
    const shape = shapeOfSchema(schema);
    return value.map((v) => toPlanKeys(v, shape?.kind === 'array' ? shape.element : undefined));
  }
  if (!isPlainObject(value)) return value;
  const shape = shapeOfSchema(schema);
  const out: Record<string, unknown> = {};
  if (shape?.kind === 'record') {
    for (const [k, v] of Object.entries(value)) out[k] = toPlanKeys(v, shape.value);
    return out;
  }
  if (shape?.kind === 'reference') return toPlanKeys(value, shape.inner);
  for (const [k, v] of Object.entries(value)) {
    const key = snakeCase(k);
    out[key] = toPlanKeys(v, shape?.kind === 'object' ? shape.shape[key] : undefined);
  }
  return out;
}

/** Schemas are walked once: every resource of a type converts its props through the same schemas. */
const shapes = new WeakMap<z.ZodType, SchemaShape>();

function shapeOfSchema(schema: z.ZodType | undefined): SchemaShape | undefined {
  if (!schema) return undefined;
  let shape = shapes.get(schema);
  if (!shape) {
    shape = shapeOf(unwrap(schema).schema);
    shapes.set(schema, shape);
  }
  return shape;
}

/** A path into plan properties (as zod reports it) in the construct's own terms: `cpu.cores` → `cpu.cores`, `user_account` → `userAccount`. */
export function toUserPath(path: readonly PropertyKey[], schema: z.ZodType): string {
  const out: string[] = [];
  let current: z.ZodType | undefined = schema;
  for (const segment of path) {
    const shape: SchemaShape | undefined = current ? shapeOf(unwrap(current).schema) : undefined;
    if (typeof segment === 'number') {
      out.push(String(segment));
      current = shape?.kind === 'array' ? shape.element : undefined;
    } else if (shape?.kind === 'record') {
      out.push(String(segment));
      current = shape.value;
    } else {
      const key = String(segment);
      out.push(camelCase(key));
      current = shape?.kind === 'object' ? shape.shape[key] : undefined;
    }
  }
  return out.join('.');
}

/** `disk[].import_from` → `disk[].importFrom`. */
export function userKeyPath(planPath: string): string {
  return planPath
    .split('.')
    .map((s) => (s.endsWith('[]') ? `${camelCase(s.slice(0, -2))}[]` : camelCase(s)))
    .join('.');
}

/**
 * A plan property path as a change names it (`network_device[0].mac_address`)
 * in the stack file's own terms (`networkDevice[0].macAddress`), following
 * the contract: keys of data maps (`prune_backups`, `sections`) and names the
 * contract does not have (what only the engine changes: `file_size`) are kept
 * as given.
 */
export function userPropertyPath(planPath: string, schema: z.ZodType | undefined): string {
  let out = '';
  let current = schema;
  for (const [, key, index] of planPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const shape = current ? shapeWithin(current) : undefined;
    if (index !== undefined) {
      out += `[${index}]`;
      current = shape?.kind === 'array' ? shape.element : undefined;
      continue;
    }
    const name = key!;
    const field = shape?.kind === 'object' ? shape.shape[name] : undefined;
    const segment = field ? camelCase(name) : name;
    current = field ?? (shape?.kind === 'record' ? shape.value : undefined);
    out += out ? `.${segment}` : segment;
  }
  return out;
}

/** The structure of a schema for walking a path: references by their literal, unions by their object option. */
function shapeWithin(schema: z.ZodType): SchemaShape | undefined {
  try {
    const shape = shapeOf(unwrap(schema).schema);
    if (shape.kind === 'reference') return shapeWithin(shape.inner);
    if (shape.kind !== 'union') return shape;
    const options = shape.options.map(shapeWithin);
    const objects = options.filter((o) => o?.kind === 'object');
    // A union of blocks: a key is whichever option declares it.
    if (objects.length) return { kind: 'object', shape: Object.assign({}, ...objects.map((o) => o.shape)) };
    return options.find((o) => o?.kind === 'array' || o?.kind === 'record');
  } catch {
    // A schema this walk does not know: the rest of the path is kept as given.
    return undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
