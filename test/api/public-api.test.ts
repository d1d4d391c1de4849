import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectProgram, ROOT } from '../constructs/ts-program.ts';

/** Every name an entry point exports, values and types, as `name` or `type name`, sorted. */
function exportedNames(program: ts.Program, entry: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${entry} is not a module`);
  return checker
    .getExportsOfModule(module)
    .map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return target.flags & ts.SymbolFlags.Value ? s.getName() : `type ${s.getName()}`;
    })
    .sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, '')));
}

/**
 * The public surface of the package: a change to it (a name added, removed,
 * or turned from a type into a value) shows in review as a changed snapshot.
 * Internals live in `private/` folders and are never exported here.
 */
describe('public API', () => {
  const entries = {
    pvecdk: 'lib/index.ts',
    'pvecdk/assertions': 'lib/assertions/index.ts',
    'pvecdk/testing': 'lib/testing.ts',
  };
  const program = projectProgram(Object.values(entries).map((e) => join(ROOT, e)));

  it.each(Object.entries(entries))(
    'GIVEN the %s entry point WHEN its exports are listed THEN they match the reviewed surface',
    (name, entry) => {
      expect(exportedNames(program, join(ROOT, entry))).toMatchSnapshot(name);
    },
  );

  it('GIVEN the entry points WHEN read THEN they only re-export named symbols (no export *, no code)', () => {
    for (const entry of Object.values(entries)) {
      const text = program.getSourceFile(join(ROOT, entry))!.getFullText();
      expect(text, entry).not.toMatch(/export \*/);
      const statements = program.getSourceFile(join(ROOT, entry))!.statements;
      expect(
        statements.every((s) => ts.isExportDeclaration(s)),
        entry,
      ).toBe(true);
    }
  });

  it('GIVEN the public names WHEN compared with the private folders THEN nothing from a private/ folder is exported', () => {
    const checker = program.getTypeChecker();
    for (const entry of Object.values(entries)) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, entry))!)!;
      const leaks = checker
        .getExportsOfModule(module)
        .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s))
        .filter((s) => s.declarations?.some((d) => d.getSourceFile().fileName.includes('/private/')))
        .map((s) => s.getName());
      expect(leaks, entry).toEqual([]);
    }
  });
});
