import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

async function runStep(h: KeyHarness, coverage: TypeCoverage, path: string, step: StepProof): Promise<void> {
  const id = step.on ?? Object.keys(coverage.base)[0]!;
  const before = await h.live(id);
  h.change(id, step.set);
  await h.deployExpecting(id, step.action ?? 'update');
  const after = await h.live(id);
  expect(comparable(after), `${path}: the live object changed`).not.toEqual(comparable(before));
  step.expect(after, before);
  await h.expectSteady();
}
