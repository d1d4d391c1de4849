import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNER_DIR, readOwner } from '../../lib/sim/index.ts';
import { type JsonChild, ROOT, startChild } from './fixtures/child.ts';

const RACERS = 6;

type Outcome = { served: true; pid: number; url: string } | { served: false; code: string; message: string };

/** RACERS processes that each try to serve `dataDir` at once; returns what each says. */
async function race(dataDir: string): Promise<{ children: JsonChild[]; outcomes: Outcome[] }> {
  const children = Array.from({ length: RACERS }, () =>
    startChild([`${ROOT}test/sim/fixtures/serve-data-dir.ts`, dataDir], { typescript: true }),
  );
  await Promise.all(children.map((c) => c.line(60_000)));
  for (const c of children) c.process.stdin!.write('go\n');
  const outcomes = await Promise.all(children.map((c) => c.line<Outcome>(60_000)));
  return { children, outcomes };
}

async function expectOneServer(dataDir: string): Promise<void> {
  const { children, outcomes } = await race(dataDir);
  try {
    const served = outcomes.filter((o): o is Extract<Outcome, { served: true }> => o.served);
    expect(served).toHaveLength(1);
    const winner = served[0]!;
    for (const o of outcomes.filter((x) => !x.served)) {
      expect(o).toMatchObject({ code: 'EMULATOR_BUSY' });
      expect((o as { message: string }).message).toContain(`pid ${winner.pid}`);
    }
    expect(readOwner(dataDir)?.record).toMatchObject({ pid: winner.pid, endpoint: { url: winner.url } });
  } finally {
    await Promise.all(children.map((c) => c.finish()));
  }
}

describe('one emulator per data dir, under a race', () => {
  it(`GIVEN ${RACERS} processes WHEN they start an emulator on one new data dir at once THEN exactly one serves it and the others are refused naming it`, async () => {
    await expectOneServer(mkdtempSync(join(tmpdir(), 'pvecdk-race-')));
  }, 90_000);

  it(`GIVEN a data dir left by a killed emulator WHEN ${RACERS} processes take it over at once THEN exactly one serves it, as the next generation`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-race-stale-'));
    mkdirSync(join(dataDir, OWNER_DIR));
    // Above every system's pid limit: that process is gone.
    writeFileSync(
      join(dataDir, OWNER_DIR, '4.json'),
      JSON.stringify({ pid: 2 ** 30, startedAt: new Date().toISOString() }),
    );
    await expectOneServer(dataDir);
    expect(readOwner(dataDir)?.generation).toBe(5);
  }, 90_000);
});
