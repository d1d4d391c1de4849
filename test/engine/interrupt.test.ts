import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../lib/engine/state-store.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

describe('a deploy stopped by the operator (Ctrl-C)', () => {
  it('GIVEN a first deploy WHEN it is stopped as the first action starts THEN what ran finishes and is recorded, nothing else starts, the locks are gone, and the next deploy converges', async () => {
    const f = await deployFixture();
    running.push(f);
    const stop = new AbortController();
    const started: string[] = [];
    const report = await f.deploy({
      signal: stop.signal,
      onEvent: (_stack, event) => {
        if (event.type !== 'running') return;
        started.push(event.id);
        stop.abort();
      },
    });

    expect(report.interrupted).toBe(true);
    expect(report.ok).toBe(false);
    const done = report.resources.filter((r) => r.status === 'done');
    const cancelled = report.resources.filter((r) => r.status === 'cancelled');
    // Only what had started when the stop came ran; it finished, and the rest never began.
    expect(done.map((r) => r.id).every((id) => started.includes(id))).toBe(true);
    expect(cancelled.length).toBeGreaterThan(0);
    // What finished is in state; no lock is left behind.
    const state = StateStore.open(f.stateDir, 'default', 'platform').state;
    for (const r of done.filter((d) => d.stack === 'platform')) expect(state.resources[r.id]).toBeDefined();
    const locks = join(f.stateDir, 'state', 'default');
    expect(existsSync(locks) ? readdirSync(locks).filter((n) => n.endsWith('.lock')) : []).toEqual([]);

    const resumed = await f.deploy();
    expect(resumed.ok).toBe(true);
    const again = await f.deploy();
    expect(again.resources.filter((r) => r.status === 'done')).toEqual([]);
  }, 60_000);
});
