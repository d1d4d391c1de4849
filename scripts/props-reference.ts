import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';
import { CustomerPropsSchema } from '../lib/constructs/customer.ts';

/**
 * docs/props.md: every prop of Customer, CustomerServer, CustomerUser and
 * Platform, generated from the TypeScript declarations (type, whether it is
 * required, the doc comment, `@default`) and, where the construct checks its
 * props with a zod schema the module shares, from that schema (ranges,
 * lengths, patterns). `npm run generate` writes it; a test fails when the
 * committed file differs from what this renders.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The sections, in order: the interface, where it is declared, and the schema its construct checks. */
const SECTIONS: readonly {
  readonly name: string;
  readonly file: string;
  readonly intro: string;
  /** The JSON Schema of the zod schema its props are checked with, when it has one to share. */
  readonly limits?: JsonSchema;
}[] = [
  {
    name: 'CustomerProps',
    file: 'lib/constructs/customer.ts',
    intro: '`new Customer(platform, id, props)`: one customer, its stack, servers and users.',
    limits: jsonSchema(CustomerPropsSchema),
  },
  {
    name: 'CustomerServer',
    file: 'lib/constructs/customer.ts',
    intro: 'One entry of `CustomerProps.servers`: a 4D server VM of the customer.',
    limits: at(jsonSchema(CustomerPropsSchema), ['servers', '[]']),
  },
  {
    name: 'CustomerUser',
    file: 'lib/constructs/customer.ts',
    intro: 'One entry of `CustomerProps.users`: a person with a VPN account and an RDS account.',
    limits: at(jsonSchema(CustomerPropsSchema), ['users', '[]']),
  },
  {
    name: 'PlatformProps',
    file: 'lib/constructs/platform.ts',
    intro:
      '`new Platform(app, id, props)`: the cluster, the three bridges, the router, the VPN and the RDS host, in one stack.',
  },
];

/** The types documented in sections of their own, so a prop of that type links there instead. */
const SECTION_NAMES = new Set(SECTIONS.map((s) => s.name));

interface JsonSchema {
  readonly type?: string | string[];
  readonly properties?: Record<string, JsonSchema>;
  readonly items?: JsonSchema;
  readonly anyOf?: JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly enum?: unknown[];
  readonly const?: unknown;
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
}

/** The schema at a prop path (`['servers', '[]', 'cores']`), looking through unions and optionals. */
function at(schema: JsonSchema | undefined, path: readonly string[]): JsonSchema | undefined {
  let here = schema;
  for (const part of path) {
    if (!here) return undefined;
    const options = here.anyOf ?? [here];
    here =
      part === '[]'
        ? options.find((o) => o.items)?.items
        : options.find((o) => o.properties?.[part])?.properties?.[part];
  }
  return here;
}

/** A schema's limits in words: `1 to 64`, `whole number`, `at most 20 characters`, `matches /…/`. */
function describeLimits(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  const options = (schema.anyOf ?? [schema]).filter((o) => o.type !== 'null');
  const parts: string[] = [];
  for (const o of options) {
    if (o.type === 'integer') parts.push('whole number');
    // zod's int() bounds a number to the safe integers: that is no limit worth stating.
    const min = o.minimum !== undefined && o.minimum > -Number.MAX_SAFE_INTEGER ? o.minimum : undefined;
    const max = o.maximum !== undefined && o.maximum < Number.MAX_SAFE_INTEGER ? o.maximum : undefined;
    if (min !== undefined && max !== undefined) parts.push(`${min} to ${max}`);
    else if (min !== undefined) parts.push(`at least ${min}`);
    else if (max !== undefined) parts.push(`at most ${max}`);
    if (o.minLength !== undefined && o.minLength > 0) parts.push(`at least ${o.minLength} characters`);
    if (o.maxLength !== undefined) parts.push(`at most ${o.maxLength} characters`);
    if (o.minItems !== undefined && o.minItems > 0) parts.push(`at least ${o.minItems}`);
    if (o.maxItems !== undefined) parts.push(`at most ${o.maxItems}`);
    // A format (ipv4) says in a word what its long pattern says.
    if (o.format !== undefined) parts.push(o.format);
    else if (o.pattern !== undefined) parts.push(`matches \`/${o.pattern}/\``);
  }
  return [...new Set(parts)].join(', ');
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultText: string;
  readonly doc: string;
  readonly limits: string;
}

/** The rows of one interface: each member, then the members of the object types it holds, depth first. */
function rowsOf(
  checker: ts.TypeChecker,
  type: ts.Type,
  prefix: string,
  limits: JsonSchema | undefined,
  limitPath: readonly string[],
  seen: Set<ts.Type>,
): Row[] {
  if (seen.has(type)) return [];
  seen.add(type);
  const rows: Row[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.getDeclarations()?.[0];
    if (!declaration) continue;
    const propertyType = checker.getTypeOfSymbol(property);
    const path = `${prefix}${property.name}`;
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    const own = [...limitPath, property.name];
    rows.push({
      path,
      type: typeText(checker, propertyType, declaration),
      required: !optional,
      defaultText: optional ? jsDocTag(declaration, 'default') : '',
      doc: jsDocText(declaration),
      limits: describeLimits(at(limits, own)),
    });
    for (const [nested, suffix] of nestedObjects(checker, propertyType))
      rows.push(
        ...rowsOf(checker, nested, `${path}${suffix}.`, limits, suffix ? [...own, '[]'] : own, new Set(seen)),
      );
  }
  return rows;
}

/** The object types a prop holds that are documented in place: not classes, not the sections' own. */
function nestedObjects(checker: ts.TypeChecker, type: ts.Type): [ts.Type, string][] {
  const nonNull = checker.getNonNullableType(type);
  const candidates: [ts.Type, string][] = checker.isArrayType(nonNull)
    ? checker.getTypeArguments(nonNull as ts.TypeReference).map((t) => [t, '[]'])
    : nonNull.isUnion()
      ? nonNull.types.map((t) => [t, ''])
      : [[nonNull, '']];
  return candidates.filter(([t]) => {
    if (!(t.flags & ts.TypeFlags.Object) || checker.isArrayType(t)) return false;
    const symbol = t.getSymbol() ?? t.aliasSymbol;
    if (symbol && symbol.flags & ts.SymbolFlags.Class) return false;
    if (symbol && SECTION_NAMES.has(symbol.name)) return false;
    // Records (`{ pve1: '…' }`) are values, not props.
    if (checker.getIndexInfosOfType(t).length > 0) return false;
    return checker.getPropertiesOfType(t).length > 0;
  });
}

function typeText(checker: ts.TypeChecker, type: ts.Type, declaration: ts.Declaration): string {
  const written =
    ts.isPropertySignature(declaration) && declaration.type
      ? declaration.type.getText().replace(/\s+/g, ' ')
      : undefined;
  // The written type reads best where it names something (`ClusterProps`, `CustomerServer[]`); an
  // inline object literal is shown as `object` with its members in the rows below it.
  // `Pick<RdsHostProps, …>` is an object whose members follow; `CustomerDbVmProps['vmId']` reads as its type.
  if (written?.startsWith('Pick<')) return 'object';
  if (written && !written.startsWith('{') && !written.includes("['")) {
    const plain = checker.typeToString(
      checker.getNonNullableType(type),
      undefined,
      ts.TypeFormatFlags.NoTruncation,
    );
    return written.length <= 40 || plain.length > 60 ? written : plain;
  }
  if (written?.includes("['"))
    return checker.typeToString(checker.getNonNullableType(type), undefined, ts.TypeFormatFlags.NoTruncation);
  return checker.isArrayType(checker.getNonNullableType(type)) ? 'object[]' : 'object';
}

function jsDocText(declaration: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(declaration)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function jsDocTag(declaration: ts.Node, name: string): string {
  const tag = ts.getJSDocTags(declaration).find((t) => t.tagName.text === name);
  return (tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '') : '').replace(/\s+/g, ' ').trim();
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The whole of docs/props.md. */
export function renderPropsReference(): string {
  const program = ts.createProgram({
    rootNames: SECTIONS.map((s) => join(ROOT, s.file)),
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: ['node'],
      customConditions: ['pvecdk-source'],
    },
  });
  const checker = program.getTypeChecker();
  const out = [
    '# Props reference',
    '',
    '<!-- Generated by `npm run generate` (scripts/props-reference.ts) from the TypeScript',
    "     declarations and the constructs' zod schemas; test/docs/props-reference.test.ts fails",
    '     when this file and the generator differ. Do not edit by hand. -->',
    '',
    'Every prop of `Customer`, `CustomerServer`, `CustomerUser` and `Platform`. **Default** is',
    'what applies when a prop is left out (`-` and a sentence: what happens instead); **Limits**',
    "are what synth checks (from the construct's schema, where one is shared; otherwise the",
    'description says them, and synth still refuses what is out of range, naming the prop).',
    '',
  ];
  for (const section of SECTIONS) {
    const source = program.getSourceFile(join(ROOT, section.file));
    const declaration = source?.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === section.name,
    );
    if (!declaration) throw new Error(`props-reference: ${section.name} not found in ${section.file}`);
    const type = checker.getTypeAtLocation(declaration);
    const rows = rowsOf(checker, type, '', section.limits, [], new Set());
    out.push(`## ${section.name}`, '', section.intro, '');
    const intro = jsDocText(declaration);
    if (intro) out.push(intro, '');
    out.push(
      '| prop | type | required | default | limits | description |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const r of rows)
      out.push(
        `| \`${r.path}\` | \`${cell(r.type)}\` | ${r.required ? 'yes' : 'no'} | ${cell(r.defaultText) || (r.required ? '' : '-')} | ${cell(r.limits)} | ${cell(r.doc)} |`,
      );
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
