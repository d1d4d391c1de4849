import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../lib/', import.meta.url));

/**
 * What each layer may import besides itself: the plan and its contract
 * (lib/contract) are the only things synthesis and the engine share, the emulator is a test double the engine
 * never sees, and only the CLI puts everything together.
 */
const ALLOWED: Record<string, readonly string[]> = {
  // The plan contract (envelope and one schema per plan type) is below everything that reads plans.
  contract: [],
  core: ['contract'],
  resources: ['core', 'contract'],
  render: ['core'],
  policy: ['core', 'resources', 'render', 'contract'],
  constructs: ['core', 'resources', 'render', 'policy', 'contract'],
  assertions: ['core', 'contract'],
  pve: ['core'],
  ssh: ['core', 'render'],
  engine: ['core', 'contract', 'pve', 'ssh'],
  sim: ['core', 'pve', 'render'],
  cli: ['core', 'contract', 'resources', 'constructs', 'engine', 'pve', 'ssh', 'sim'],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const layerOf = (file: string) => relative(LIB, file).split(sep)[0]!;

describe('layers', () => {
  it('GIVEN every file under lib WHEN its relative imports are resolved THEN each layer imports only the layers below it', () => {
    const violations: string[] = [];
    const layers = new Set<string>();
    // lib/index.ts is the package's front door: it re-exports the public layers.
    for (const file of filesUnder(LIB).filter((f) => dirname(f) !== resolve(LIB))) {
      const layer = layerOf(file);
      layers.add(layer);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), match[1]!);
        if (!target.startsWith(LIB)) continue;
        const other = layerOf(target);
        if (other !== layer && !(ALLOWED[layer] ?? []).includes(other))
          violations.push(`${relative(LIB, file)} imports ${relative(LIB, target)} (${layer} → ${other})`);
      }
    }
    expect(violations).toEqual([]);
    // A new folder under lib must say where it sits.
    expect([...layers].filter((l) => !(l in ALLOWED))).toEqual([]);
  });
});
