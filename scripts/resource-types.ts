import type { z } from 'zod';
import { camelCase } from '../lib/contract/key-case.ts';
import type { PlanTypeDefinition } from '../lib/contract/plan-type.ts';
import { PLAN_TYPES } from '../lib/contract/registry.ts';
import { type SchemaShape, shapeOf, unwrap } from '../lib/contract/schema-walk.ts';

/**
 * Renders the L1 config interfaces of lib/resources/generated from the plan
 * contracts, as the cdktf bindings are generated from a provider's schema:
 * camelCase props, documented from the contract, `Ref<T>` where a reference
 * may stand and `SecretValue` where a secret must. `npm run generate` writes
 * them; a test fails when they are stale.
 */

const HEADER = '// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.\n';
const LINE = 110;

interface Emitted {
  readonly name: string;
  readonly text: string;
}

interface FileParts {
  readonly interfaces: Emitted[];
  readonly uses: Set<'Ref' | 'SecretValue' | 'Resource'>;
  /** Shared named types (own files) this file refers to. */
  readonly imports: Set<string>;
}

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const pascal = (key: string) => {
  const c = camelCase(key);
  return c.charAt(0).toUpperCase() + c.slice(1);
};
const quote = (v: string | number | boolean) =>
  typeof v === 'string' ? `'${v.replace(/'/g, "\\'")}'` : String(v);

/** `export type { A, B } from './f.ts';`, one name a line when it would be too long. */
function exportLine(names: readonly string[], file: string): string {
  const line = `export type { ${names.join(', ')} } from './${file}';`;
  return line.length <= LINE
    ? line
    : `export type {\n${names.map((n) => `  ${n},`).join('\n')}\n} from './${file}';`;
}

/** Docs speak of plan keys (`node_name`); the construct's user writes `nodeName`. */
const userTerms = (text: string) =>
  text.replace(/`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`/g, (_, k: string) => `\`${camelCase(k)}\``);

function docLines(
  text: string | undefined,
  defaultText: string | undefined,
  remark: string | undefined,
): string[] {
  const lines = [...(text ? [userTerms(text)] : []), ...(defaultText ? [`@default ${defaultText}`] : [])];
  if (remark) lines.push(`@remarks ${remark}`);
  if (lines.length === 0) return [];
  if (lines.length === 1 && lines[0]!.length + 10 <= LINE) return [`  /** ${lines[0]} */`];
  return ['  /**', ...lines.map((l) => `   * ${l}`), '   */'];
}

interface Renderer {
  readonly parts: FileParts;
  readonly shared: Map<string, Emitted>;
  readonly notApplied: Readonly<Record<string, string>>;
}

/** The TypeScript type of a (unwrapped) schema; nested objects become named interfaces. */
function typeOf(r: Renderer, schema: z.ZodType, name: string, planPath: string): string {
  const shape: SchemaShape = shapeOf(schema);
  switch (shape.kind) {
    case 'reference':
      r.parts.uses.add('Ref');
      return `Ref<${typeOf(r, unwrap(shape.inner).schema, name, planPath)}>`;
    case 'secret':
      r.parts.uses.add('SecretValue');
      return 'SecretValue';
    case 'object': {
      const own = (schema.meta() as { typeName?: string } | undefined)?.typeName;
      const interfaceName = own ?? name;
      if (own) {
        r.parts.imports.add(own);
        if (!r.shared.has(own)) {
          const sharedParts: FileParts = { interfaces: [], uses: new Set(), imports: new Set() };
          emitInterface({ ...r, parts: sharedParts }, schema, own, planPath);
          r.shared.set(own, { name: own, text: renderFile(sharedParts) });
        }
      } else emitInterface(r, schema, interfaceName, planPath);
      return interfaceName;
    }
    case 'array': {
      const element = typeOf(r, unwrap(shape.element).schema, name, `${planPath}[]`);
      return element.includes(' | ') ? `(${element})[]` : `${element}[]`;
    }
    case 'record': {
      const value = typeOf(r, unwrap(shape.value).schema, name, planPath);
      return shape.keys
        ? `Partial<Record<${shape.keys.map(quote).join(' | ')}, ${value}>>`
        : `Record<string, ${value}>`;
    }
    case 'union':
      return shape.options.map((o) => typeOf(r, unwrap(o).schema, name, planPath)).join(' | ');
    case 'enum':
      return shape.values.map(quote).join(' | ');
    case 'literal':
      return shape.values.map(quote).join(' | ');
    case 'undefined':
      return 'undefined';
    default:
      return shape.kind;
  }
}

function emitInterface(
  r: Renderer,
  schema: z.ZodType,
  name: string,
  planPath: string,
  options: { readonly topLevel?: boolean; readonly base?: string } = {},
): void {
  const shape = shapeOf(schema);
  if (shape.kind !== 'object') throw new Error(`${name}: a contract's properties must be an object schema`);
  const own = unwrap(schema).description;
  const lines: string[] = [];
  const slot = { name, text: '' };
  // Reserve the place first: nested interfaces follow the one that uses them.
  r.parts.interfaces.push(slot);
  for (const [key, child] of Object.entries(shape.shape)) {
    const u = unwrap(child);
    const path = planPath ? `${planPath}.${key}` : key;
    const nested = `${options.base ?? name}${pascal(key)}`;
    const type = typeOf(r, u.schema, nested, path);
    const remark = r.notApplied[path]
      ? `Not applied by the engine yet, so synthesis refuses it: ${r.notApplied[path]}.`
      : undefined;
    const childMeta = u.schema.meta() as { description?: string } | undefined;
    lines.push(...docLines(u.description ?? childMeta?.description, u.defaultText, remark));
    const head = `  readonly ${camelCase(key)}${u.optional ? '?' : ''}:`;
    const oneLine = `${head} ${type};`;
    if (oneLine.length <= LINE || !type.includes(' | ') || type.includes('<')) lines.push(oneLine);
    else
      lines.push(
        head,
        ...type.split(' | ').map((t, i, all) => `    | ${t}${i === all.length - 1 ? ';' : ''}`),
      );
  }
  if (options.topLevel) {
    r.parts.uses.add('Resource');
    lines.push(
      '  /** Created after these (the cdktf meta-argument). */',
      '  readonly dependsOn?: Resource[];',
    );
  }
  const doc = own ? [`/** ${userTerms(own)} */`] : [];
  slot.text = [...doc, `export interface ${name} {`, ...lines, '}'].join('\n');
}

function renderFile(parts: FileParts, selfName?: string): string {
  const imports: string[] = [];
  if (parts.uses.has('Ref')) imports.push("import type { Ref } from '../../core/reference.ts';");
  if (parts.uses.has('Resource')) imports.push("import type { Resource } from '../../core/resource.ts';");
  if (parts.uses.has('SecretValue')) imports.push("import type { SecretValue } from '../../core/secret.ts';");
  for (const shared of [...parts.imports].sort())
    if (shared !== selfName) imports.push(`import type { ${shared} } from './${kebab(shared)}.ts';`);
  const body = parts.interfaces.map((i) => i.text).join('\n\n');
  return `${HEADER}${imports.length ? `${imports.join('\n')}\n` : ''}\n${body}\n`;
}

/** File name (under lib/resources/generated) → content, for every plan type and shared block. */
export function renderResourceTypes(
  types: Iterable<PlanTypeDefinition> = PLAN_TYPES.values(),
): Map<string, string> {
  const files = new Map<string, string>();
  const shared = new Map<string, Emitted>();
  const index: string[] = [];
  for (const def of types) {
    const parts: FileParts = { interfaces: [], uses: new Set(), imports: new Set() };
    const r: Renderer = { parts, shared, notApplied: def.notApplied };
    emitInterface(r, def.plan, `${def.typeName}Config`, '', { topLevel: true, base: def.typeName });
    const file = `${kebab(def.typeName)}.ts`;
    files.set(file, renderFile(parts));
    index.push(
      exportLine(
        parts.interfaces.map((i) => i.name),
        file,
      ),
    );
  }
  for (const [name, emitted] of shared) {
    files.set(
      `${kebab(name)}.ts`,
      emitted.text.replace(`import type { ${name} } from './${kebab(name)}.ts';\n`, ''),
    );
    index.push(exportLine([name], `${kebab(name)}.ts`));
  }
  files.set('index.ts', `${HEADER}${index.sort().join('\n')}\n`);
  return files;
}
