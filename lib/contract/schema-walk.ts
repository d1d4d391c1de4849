import type { z } from 'zod';
import { slotOf } from './plan-type.ts';

/**
 * Reads the structure of a contract schema: what the key converter, the
 * refusal of keys the engine does not apply, the generated L1 types and the
 * every-key test all need to know. Contracts use a small part of zod (objects,
 * arrays, records, enums, literals, unions, scalars, optional, and the
 * reference/secret slots); anything else is refused here, loudly, so a new
 * construct in a contract cannot be half understood.
 */
export type SchemaShape =
  | { readonly kind: 'object'; readonly shape: Readonly<Record<string, z.ZodType>> }
  | { readonly kind: 'array'; readonly element: z.ZodType }
  | { readonly kind: 'record'; readonly keys: readonly string[] | undefined; readonly value: z.ZodType }
  | { readonly kind: 'reference'; readonly inner: z.ZodType }
  | { readonly kind: 'secret' }
  | { readonly kind: 'union'; readonly options: readonly z.ZodType[] }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'literal'; readonly values: readonly (string | number | boolean)[] }
  | { readonly kind: 'string' | 'number' | 'boolean' | 'undefined' | 'unknown' };

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: z.ZodType[];
  readonly entries?: Record<string, string>;
  readonly values?: (string | number | boolean)[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

export interface Unwrapped {
  readonly schema: z.ZodType;
  readonly optional: boolean;
  /** Documentation found on any wrapper level (outermost first). */
  readonly description: string | undefined;
  readonly defaultText: string | undefined;
}

/** Strips `optional`/`nullable` wrappers, keeping what they said. */
export function unwrap(schema: z.ZodType): Unwrapped {
  let s = schema;
  let optional = false;
  let description: string | undefined;
  let defaultText: string | undefined;
  for (;;) {
    const meta = s.meta() as { description?: string; default?: string } | undefined;
    description ??= meta?.description;
    defaultText ??= meta?.default;
    const def = defOf(s);
    if (slotOf(s)) break;
    if (def.type === 'optional' || def.type === 'nullable') {
      optional = true;
      s = def.innerType!;
      continue;
    }
    break;
  }
  return { schema: s, optional, description, defaultText };
}

/** The structure of one (unwrapped) schema. */
export function shapeOf(schema: z.ZodType): SchemaShape {
  const slot = slotOf(schema);
  if (slot?.kind === 'reference') return { kind: 'reference', inner: slot.inner! };
  if (slot?.kind === 'secret') return { kind: 'secret' };
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return { kind: 'object', shape: def.shape! };
    case 'array':
      return { kind: 'array', element: def.element! };
    case 'record': {
      const keys = defOf(def.keyType!);
      return {
        kind: 'record',
        keys: keys.type === 'enum' ? Object.values(keys.entries!) : undefined,
        value: def.valueType!,
      };
    }
    case 'union':
      return { kind: 'union', options: def.options! };
    case 'enum':
      return { kind: 'enum', values: Object.values(def.entries!) };
    case 'literal':
      return { kind: 'literal', values: def.values! };
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'unknown':
      return { kind: def.type };
    default:
      throw new Error(
        `contract schemas do not use zod '${def.type}' schemas; describe the value another way`,
      );
  }
}

/** One key of a schema, nested blocks included, in plan terms: `cpu.cores`, `disk[].speed.read`. */
export interface SchemaKey {
  readonly path: string;
  readonly segments: readonly string[];
  readonly optional: boolean;
  readonly description: string | undefined;
  readonly schema: z.ZodType;
  readonly shape: SchemaShape;
}

/** Every key of an object schema, depth first in declaration order; list items appear as `key[]`. */
export function schemaKeys(schema: z.ZodType): SchemaKey[] {
  const keys: SchemaKey[] = [];
  const visit = (s: z.ZodType, segments: string[]): void => {
    const shape = shapeOf(unwrap(s).schema);
    if (shape.kind === 'object') {
      for (const [name, child] of Object.entries(shape.shape)) {
        const u = unwrap(child);
        const childShape = shapeOf(u.schema);
        const path = [...segments, name];
        keys.push({
          path: path.join('.'),
          segments: path,
          optional: u.optional,
          description: u.description,
          schema: u.schema,
          shape: childShape,
        });
        if (childShape.kind === 'object') visit(u.schema, path);
        if (childShape.kind === 'array') {
          const element = unwrap(childShape.element).schema;
          if (shapeOf(element).kind === 'object') visit(element, [...segments, `${name}[]`]);
        }
      }
    }
  };
  visit(schema, []);
  return keys;
}

/**
 * The values at `path` (`disk[].speed.read`) in plan properties: one per list
 * item for each `[]`, only where set.
 */
export function valuesAt(properties: unknown, path: string): unknown[] {
  let current: unknown[] = [properties];
  for (const segment of path.split('.')) {
    const list = segment.endsWith('[]');
    const key = list ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      const child = (value as Record<string, unknown>)[key];
      if (child === undefined) continue;
      if (list) {
        if (Array.isArray(child)) next.push(...child);
      } else next.push(child);
    }
    current = next;
  }
  return current;
}
