import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaKeys } from '../../../lib/contract/schema-walk.ts';
import {
  type CustomCheck,
  coverageProblems,
  isBase,
  isCustom,
  isStep,
  type StepProof,
  type TypeCoverage,
} from './coverage.ts';
import { comparable, type KeyHarness, startHarness } from './harness.ts';

/**
 * Runs a coverage table against the emulator: the base deploy, then each
 * key's step (set it, deploy, read back, deploy again: no change, no
 * write) or custom check, in table order, on one emulator.
 */
export function describeCoverage(coverage: TypeCoverage): void {
  const type = coverage.contract.type;
  const entries = Object.entries(coverage.keys);
  const baseKeys = entries.filter(([, p]) => isBase(p)).map(([k]) => k);

  describe(`${type}: every key is applied`, () => {
    let h: KeyHarness;
    beforeAll(async () => {
      expect(coverageProblems(coverage), 'the table matches the contract').toEqual([]);
      h = await startHarness(type, coverage.base);
      await coverage.setup?.(h);
    });
    afterAll(async () => {
      await h?.close();
    });

    it(`GIVEN the base resources (${baseKeys.join(', ')}) WHEN deployed THEN they are live as planned and a second deploy writes nothing`, async () => {
      const report = await h.deploy();
      // Unchanged: a resource whose base sets nothing to change (firewall options of a new VM).
      expect(
        report.resources
          .filter((r) => r.status !== 'done' && r.status !== 'unchanged')
          .map((r) => ({ id: r.id, status: r.status, error: r.error })),
      ).toEqual([]);
      await coverage.baseCheck(h);
      await h.expectSteady();
    });

    const ran = new Set<CustomCheck>();
    for (const [path, proof] of entries) {
      if (isStep(proof))
        it(`GIVEN the deployed base WHEN ${path} is set THEN the live object shows it and a second deploy writes nothing`, async () => {
          await runStep(h, coverage, path, proof);
        });
      if (isCustom(proof) && !ran.has(proof.custom)) {
        ran.add(proof.custom);
        const keys = entries.filter(([, p]) => isCustom(p) && p.custom === proof.custom).map(([k]) => k);
        it(`GIVEN ${keys.join(', ')} WHEN deployed THEN ${proof.custom.name}`, async () => {
          await proof.custom.run(h);
        });
      }
    }
  });
}

/** Keys a change may have that no plan property is: what only the engine changes (a file's size tells its content). */
const ENGINE_KEYS = new Set(['(replace)', 'file_size']);

/**
 * Whether a change key (`disk[0]`) is a plan path of the contract: a key,
 * a list item, or inside a data map (`prune_backups.keep-daily`).
 */
function isPlanPath(contract: TypeCoverage['contract'], key: string): boolean {
  const keys = new Map(schemaKeys(contract.plan).map((k) => [k.path, k.shape.kind]));
  const general = key.replace(/\[\d+\]/g, '[]').replace(/\[\]$/, '');
  if (keys.has(general)) return true;
  const segments = general.split('.');
  return segments.some((_, i) => keys.get(segments.slice(0, i).join('.')) === 'record');
}

/** Whether a change key names the key a step set: the same path, the block or list item holding it, or a key inside it. */
function namesKey(changeKey: string, stepPath: string): boolean {
  const general = changeKey.replace(/\[\d+\]/g, '[]');
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(stepPath, general) || within(general, stepPath);
}

async function runStep(h: KeyHarness, coverage: TypeCoverage, path: string, step: StepProof): Promise<void> {
  const id = step.on ?? Object.keys(coverage.base)[0]!;
  const before = await h.live(id);
  h.change(id, step.set);
  const report = await h.deployExpecting(id, step.action ?? 'update');
  // The diff names what changed as the plan does (`cpu.cores`, `disk[0]`), never only by a Proxmox key.
  const keys = report.resources.find((r) => r.id === id)!.changes.map((c) => c.key);
  expect(
    keys.filter((k) => !ENGINE_KEYS.has(k) && !isPlanPath(coverage.contract, k)),
    `${path}: change keys that are no plan path (${keys.join(', ')})`,
  ).toEqual([]);
  expect(
    keys.some((k) => namesKey(k, path) || ENGINE_KEYS.has(k)),
    `${path}: a change is named by its plan path (${keys.join(', ')})`,
  ).toBe(true);
  const after = await h.live(id);
  expect(comparable(after), `${path}: the live object changed`).not.toEqual(comparable(before));
  step.expect(after, before);
  await h.expectSteady();
}
