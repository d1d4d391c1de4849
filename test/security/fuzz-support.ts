import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { PvecdkError } from '../../lib/core/error-family.ts';

/** Every run of every property starts from this seed: a failure replays as it was seen. */
export const FUZZ = { seed: 13_013, numRuns: 150, endOnFailure: true } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A valid document with one value somewhere in it replaced: what a hand edit,
 * a merge gone wrong or another version of pvecdk leaves. The place is chosen
 * among every node of the document (`pick` wraps around their number).
 */
export function mutated(valid: Json): fc.Arbitrary<Json> {
  const replacement = fc.oneof(
    fc.jsonValue() as fc.Arbitrary<Json>,
    fc.constantFrom<Json>(
      null,
      '',
      -1,
      1e308,
      'x'.repeat(5_000),
      [],
      {},
      // An own `__proto__` key, as JSON.parse makes it from a file.
      JSON.parse('{"__proto__":{"polluted":true}}') as Json,
    ),
  );
  return fc.record({ pick: fc.nat(), replacement, drop: fc.boolean() }).map(({ pick, replacement, drop }) => {
    const copy = structuredClone(valid);
    const places: Array<{ parent: Json[] | { [key: string]: Json }; key: string | number }> = [];
    const walk = (node: Json) => {
      if (Array.isArray(node))
        node.forEach((child, i) => {
          places.push({ parent: node, key: i });
          walk(child);
        });
      else if (node !== null && typeof node === 'object')
        for (const [k, child] of Object.entries(node)) {
          places.push({ parent: node, key: k });
          walk(child);
        }
    };
    walk(copy);
    if (places.length === 0) return replacement;
    const { parent, key } = places[pick % places.length]!;
    if (drop && !Array.isArray(parent)) delete parent[key as string];
    else (parent as Record<string | number, Json>)[key] = replacement;
    return copy;
  });
}

/** Text a file could hold instead of what it should: JSON of any shape, a mutated valid document, or bytes. */
export function badFileText(valid: Json): fc.Arbitrary<string> {
  const text = JSON.stringify(valid, null, 2);
  return fc.oneof(
    mutated(valid).map((doc) => JSON.stringify(doc)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    // A file cut short, as a full disk or a copy stopped midway leaves it.
    fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n)),
  );
}

/**
 * Runs `action` on bad input: it either succeeds, or fails with one of
 * pvecdk's coded errors with a message. Anything else (a TypeError, a bare
 * Error, a RangeError from a runaway recursion) is a crash.
 */
export function codedOrFine(action: () => unknown, tally?: Map<string, number>): PvecdkError | undefined {
  let error: PvecdkError | undefined;
  try {
    action();
  } catch (e) {
    if (!(e instanceof PvecdkError))
      throw new Error(`a crash, not a coded error: ${String(e)}`, { cause: e });
    expect(e.code).toMatch(/^[A-Z]+_[A-Z0-9_]+$/);
    expect(e.message.length).toBeGreaterThan(0);
    error = e;
  }
  const outcome = error?.code ?? 'ok';
  tally?.set(outcome, (tally.get(outcome) ?? 0) + 1);
  return error;
}

/** The files under `dir` and their content: compared before and after, it shows any write. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}
