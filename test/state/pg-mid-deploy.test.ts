import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBackend } from '../../lib/engine/backends/pg-backend.ts';
import { type DeployFixture, deployFixture } from '../engine/deploy-fixture.ts';
import { startPostgres, type TestPostgres } from './pg-fixture.ts';

let postgres: TestPostgres;
let fixture: DeployFixture;
const dirs: string[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  fixture = await deployFixture();
});
afterAll(async () => {
  await fixture?.emulator.close();
  await postgres?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('PostgreSQL unreachable in the middle of a deploy', () => {
  it('GIVEN PostgreSQL stops once the platform’s changes are known WHEN the deploy runs THEN the actions in flight finish, the run stops failed naming what is unrecorded, the recovery file holds it, and after migrating it a deploy makes none of it again', async () => {
    const recoveryDir = mkdtempSync(join(tmpdir(), 'pvecdk-recovery-'));
    dirs.push(recoveryDir);
    const url = await postgres.newDatabase();
    const backend = new PgBackend({
      url,
      recoveryDir,
      retry: { attempts: 3, baseMs: 20, maxMs: 50 },
      connectTimeoutMs: 2000,
    });
    let stopped = false;
    const report = await fixture
      .deploy({
        targets: ['acme'],
        backend,
        // Before the first write of the first stack: every completed action then meets a stopped server.
        onChanges: async () => {
          if (stopped) return;
          stopped = true;
          await postgres.stop();
        },
      })
      .finally(() => postgres.start());
    expect(report.ok).toBe(false);
    const failed = report.resources.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed)
      expect(r.error).toMatch(/ENGINE_STATE_UNRECORDED|PostgreSQL did not take the state/);
    // Only the platform ran: acme depends on it.
    expect(report.resources.filter((r) => r.stack === 'acme' && r.status === 'done')).toEqual([]);

    const file = join(recoveryDir, 'state', 'default', 'platform.json');
    expect(existsSync(file)).toBe(true);
    const recovered = JSON.parse(readFileSync(file, 'utf8'));
    // Every action whose change was made is in the recovery file: nothing was lost.
    const made = report.resources.filter(
      (r) => r.stack === 'platform' && r.action === 'create' && r.status === 'failed',
    );
    for (const r of made) expect(Object.keys(recovered.resources)).toContain(r.id);

    expect(await backend.importState(recovered)).toBe('written');
    const again = await fixture.deploy({ targets: ['platform'], backend });
    expect(again.ok).toBe(true);
    // Nothing recorded in the recovery file is made a second time.
    expect(made.length).toBeGreaterThan(0);
    // Recorded: neither made again nor replaced (a bridge may still have its staged edits applied, which the stopped run did not reach).
    for (const m of made)
      expect([m.id, again.resources.find((x) => x.id === m.id)?.action]).toEqual([
        m.id,
        expect.stringMatching(/^(no-op|update)$/),
      ]);
    await backend.close();
  }, 180_000);
});
