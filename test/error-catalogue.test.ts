import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../lib/cli/output/error-output.ts';
import { type ErrorFamily, errorFamilies, exitCodeOfCode, PvecdkError } from '../lib/core/error-family.ts';

const LIB = new URL('../lib/', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `defineErrorFamily('Title', ...)` call in lib, found in the source so none can be missed. */
function familiesInSource(): { file: string; title: string }[] {
  return filesUnder(LIB).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/defineErrorFamily\(\s*'([^']+)'/g)].map((m) => ({
      file,
      title: m[1]!,
    })),
  );
}

/** `## Heading` → { CODE: meaning } and { CODE: exit code } from the tables of docs/errors.md. */
function documentedSections(): {
  meanings: Map<string, Record<string, string>>;
  exits: Map<string, Record<string, number>>;
} {
  const meanings = new Map<string, Record<string, string>>();
  const exits = new Map<string, Record<string, number>>();
  let current: Record<string, string> | undefined;
  let currentExits: Record<string, number> | undefined;
  for (const line of readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8').split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = {};
      currentExits = {};
      meanings.set(heading[1]!.trim(), current);
      exits.set(heading[1]!.trim(), currentExits);
      continue;
    }
    const row = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\S+)\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (row && current && currentExits) {
      current[row[1]!] = row[3]!;
      currentExits[row[1]!] = Number(row[2]);
    }
  }
  return { meanings, exits };
}

describe('error catalogue (docs/errors.md)', () => {
  const { meanings: sections, exits } = documentedSections();
  const inSource = familiesInSource();
  let families: readonly ErrorFamily[] = [];

  beforeAll(async () => {
    for (const file of new Set(inSource.map((f) => f.file))) await import(pathToFileURL(file).href);
    families = errorFamilies();
  });

  it('GIVEN every defineErrorFamily call in lib WHEN its module is loaded THEN each family is defined once under its title', () => {
    expect(inSource.length).toBeGreaterThanOrEqual(9);
    expect(families.map((f) => f.title).sort()).toEqual(inSource.map((f) => f.title).sort());
    expect(new Set(families.map((f) => f.title)).size).toBe(families.length);
  });

  it('GIVEN every family WHEN compared with the doc THEN its section matches code for code and word for word', () => {
    for (const family of families) {
      expect({ [family.title]: sections.get(family.title) }).toEqual({ [family.title]: { ...family.codes } });
    }
  });

  it('GIVEN every code WHEN its exit code is looked up THEN it is the one its row documents, and a thrown error of that code exits so', () => {
    for (const family of families) {
      expect({ [family.title]: exits.get(family.title) }).toEqual({
        [family.title]: { ...family.exitCodes },
      });
      for (const [code, exit] of Object.entries(family.exitCodes)) {
        expect({ code, exit: exitCodeOfCode(code) }).toEqual({ code, exit });
        expect({ code, exit: exitCodeOf(new PvecdkError(code, 'm')) }).toEqual({ code, exit });
      }
    }
    // Failures while running exist in the families that talk to the remote; everything else is the user's.
    expect(exitCodeOfCode('PVE_CONNECTION')).toBe(1);
    expect(exitCodeOfCode('ENGINE_NOT_OWNED')).toBe(2);
    expect(exitCodeOfCode('ENGINE_INTERNAL')).toBe(1);
  });

  it('GIVEN every section of the doc WHEN matched to the families THEN none documents a family that does not exist', () => {
    expect([...sections.keys()].sort()).toEqual(families.map((f) => f.title).sort());
  });

  it('GIVEN every family WHEN its codes are listed THEN they share one prefix and no code belongs to two families', () => {
    const all = families.flatMap((f) => Object.keys(f.codes));
    expect(new Set(all).size).toBe(all.length);
    for (const family of families) {
      const codes = Object.keys(family.codes);
      const prefix = codes[0]!.split('_')[0];
      expect({ [family.title]: codes.filter((c) => !c.startsWith(`${prefix}_`)) }).toEqual({
        [family.title]: [],
      });
    }
  });
});
