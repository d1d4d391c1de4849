import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectProgram, ROOT } from './ts-program.ts';

/**
 * Compiles a snippet next to lib/constructs/private/schema-drift.ts (in memory only):
 * each `type Case_<name>` line ties an interface to a schema; the test reads
 * which lines tsc rejects and what it says.
 */
const FIXTURE = `
import { z } from 'zod';
import type { NoSchemaDrift, SchemaDrift } from './schema-drift.ts';

interface Props {
  readonly cluster: { readonly nodes: string[] };
  readonly name: string;
  readonly cores?: number;
  readonly nested: { readonly size: number };
  readonly list: ReadonlyArray<{ readonly port: number }>;
}

const shape = {
  name: z.string().regex(/^[a-z]+$/),
  cores: z.number().int().default(4),
  nested: z.strictObject({ size: z.number() }),
  list: z.array(z.strictObject({ port: z.number() })),
};
const InStep = z.strictObject(shape).superRefine(() => {});
const { cores: _cores, ...withoutCores } = shape;
const MissingOptional = z.strictObject(withoutCores);
const Extra = z.strictObject({ ...shape, memory: z.number().optional() });
const Retyped = z.strictObject({ ...shape, name: z.number() });
const NowRequired = z.strictObject({ ...shape, cores: z.number() });
const NestedExtra = z.strictObject({ ...shape, nested: z.strictObject({ size: z.number(), unit: z.string() }) });
const ListRetyped = z.strictObject({ ...shape, list: z.array(z.strictObject({ port: z.string() })) });

type Case_inStep = NoSchemaDrift<SchemaDrift<Props, typeof InStep, 'cluster'>>;
type Case_unvalidatedCompared = NoSchemaDrift<SchemaDrift<Props, typeof InStep>>;
type Case_missingOptional = NoSchemaDrift<SchemaDrift<Props, typeof MissingOptional, 'cluster'>>;
type Case_extra = NoSchemaDrift<SchemaDrift<Props, typeof Extra, 'cluster'>>;
type Case_retyped = NoSchemaDrift<SchemaDrift<Props, typeof Retyped, 'cluster'>>;
type Case_nowRequired = NoSchemaDrift<SchemaDrift<Props, typeof NowRequired, 'cluster'>>;
type Case_nestedExtra = NoSchemaDrift<SchemaDrift<Props, typeof NestedExtra, 'cluster'>>;
type Case_listRetyped = NoSchemaDrift<SchemaDrift<Props, typeof ListRetyped, 'cluster'>>;
`;

function errorsByCase(): Record<string, string> {
  const file = join(ROOT, 'lib/constructs/private/__schema_drift_fixture__.ts');
  const program = projectProgram([], { [file]: FIXTURE });
  const source = program.getSourceFile(file)!;
  const lines = FIXTURE.split('\n');
  const errors: Record<string, string> = {};
  for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
    const line = lines[source.getLineAndCharacterOfPosition(d.start ?? 0).line] ?? '';
    const name = /type Case_(\w+)/.exec(line)?.[1] ?? `line: ${line}`;
    errors[name] = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  }
  return errors;
}

describe('SchemaDrift', () => {
  it('GIVEN props interfaces and zod schemas that agree or drift apart WHEN compiled THEN tsc rejects exactly the drifts, naming the key and how it differs', () => {
    const errors = errorsByCase();

    expect(Object.keys(errors).sort()).toEqual([
      'extra',
      'listRetyped',
      'missingOptional',
      'nestedExtra',
      'nowRequired',
      'retyped',
      'unvalidatedCompared',
    ]);
    expect(errors.missingOptional).toContain('"(props).cores: only in the interface"');
    expect(errors.extra).toContain('"(props).memory: only in the schema"');
    expect(errors.retyped).toContain('"(props).name: types differ"');
    expect(errors.nowRequired).toContain('"(props).cores: types differ"');
    expect(errors.nestedExtra).toContain('"(props).nested.unit: only in the schema"');
    expect(errors.listRetyped).toContain('"(props).list[].port: types differ"');
    expect(errors.unvalidatedCompared).toContain('"(props).cluster: only in the interface"');
  }, 60_000);
});
