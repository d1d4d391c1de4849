import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acquireDeployLock,
  forceUnlock,
  type LockHolder,
  lockHolder,
  lockHolders,
} from '../../lib/engine/deploy-lock.ts';
import { deadPid, raceWorkers } from './process-race.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pvecdk-lock-'));
const lockDir = (d: string) => join(d, 'state', 'prod');

/** A holder's record as a crashed or remote process leaves it. */
function writeRecord(
  file: string,
  record: { pid: number; hostname: string; command: string; mode?: string },
) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify({ startedAt: '2026-11-24T10:00:00Z', ...record }));
}

describe('deploy lock: one holder at a time', () => {
  it('GIVEN a held lock WHEN a second deploy asks THEN it is refused naming the holder; after release it is free', () => {
    const d = dir();
    const lock = acquireDeployLock(d, 'prod', 'acme', 'pvecdk deploy stacks/acme.ts');
    expect(() => acquireDeployLock(d, 'prod', 'acme', 'pvecdk deploy stacks/acme.ts')).toThrow(
      new RegExp(`being changed by 'pvecdk deploy stacks/acme.ts' \\(pid ${process.pid} on ${hostname()}\\)`),
    );
    // Another stack is not affected.
    acquireDeployLock(d, 'prod', 'globex', 'deploy').release();
    lock.release();
    acquireDeployLock(d, 'prod', 'acme', 'deploy').release();
  });

  it('GIVEN no state folder WHEN a lock is taken THEN the folders it makes are 0700', () => {
    const d = join(dir(), '.pvecdk');
    acquireDeployLock(d, 'prod', 'acme', 'deploy').release();
    for (const folder of [d, join(d, 'state'), lockDir(d)])
      expect({ folder, mode: statSync(folder).mode & 0o777 }).toEqual({ folder, mode: 0o700 });
  });

  it('GIVEN a lock left by a dead process on this host WHEN asked THEN it is taken over and reported', () => {
    const d = dir();
    const dead = deadPid();
    writeRecord(join(lockDir(d), 'acme.lock'), { pid: dead, hostname: hostname(), command: 'killed deploy' });
    const lock = acquireDeployLock(d, 'prod', 'acme', 'deploy');
    expect(lock.tookOverFrom).toMatchObject({ pid: dead, command: 'killed deploy', mode: 'exclusive' });
    expect(lock.removed).toHaveLength(1);
    lock.release();
    expect(lockHolders(d, 'prod', 'acme')).toEqual([]);
  });

  it("GIVEN a lock from another machine WHEN forced THEN it is removed; release never removes someone else's lock", () => {
    const d = dir();
    const file = join(lockDir(d), 'acme.lock');
    const mine = acquireDeployLock(d, 'prod', 'acme', 'deploy');
    writeRecord(file, { pid: 1, hostname: 'ops-laptop', command: 'deploy' });
    mine.release();
    expect(() => acquireDeployLock(d, 'prod', 'acme', 'deploy')).toThrow(
      expect.objectContaining({
        code: 'ENGINE_LOCKED',
        message: expect.stringContaining('on ops-laptop) since 2026-11-24T10:00:00Z'),
        hint: expect.stringContaining('--force-unlock'),
      }),
    );
    expect(forceUnlock(d, 'prod', 'acme')).toBe(true);
    expect(forceUnlock(d, 'prod', 'acme')).toBe(false);
    acquireDeployLock(d, 'prod', 'acme', 'deploy').release();
  });

  it('GIVEN a lock record that cannot be read WHEN asked THEN it is refused naming the file (never judged stale), and taken when forced', () => {
    const d = dir();
    const file = join(lockDir(d), 'acme.lock');
    mkdirSync(lockDir(d), { recursive: true });
    writeFileSync(file, '{half a rec');
    expect(() => acquireDeployLock(d, 'prod', 'acme', 'deploy')).toThrow(
      expect.objectContaining({ code: 'ENGINE_LOCKED', message: `stack acme on prod is locked (${file})` }),
    );
    const forced = acquireDeployLock(d, 'prod', 'acme', 'deploy', { force: true });
    expect(forced.tookOverFrom).toMatchObject({ command: 'unknown', mode: 'exclusive' });
    forced.release();
    expect(existsSync(file)).toBe(false);
  });

  it('GIVEN a file mutex left by a process that died inside it WHEN a lock is asked THEN the mutex is broken and the lock taken', () => {
    const d = dir();
    mkdirSync(lockDir(d), { recursive: true });
    writeFileSync(
      join(lockDir(d), 'acme.lock-mutex'),
      JSON.stringify({
        pid: deadPid(),
        hostname: hostname(),
        since: '2026-11-24T10:00:00Z',
        token: 'ab12cd34ef56',
      }),
    );
    acquireDeployLock(d, 'prod', 'acme', 'deploy').release();
    expect(readdirSync(lockDir(d)).sort()).toEqual(['acme.lock-mutex.broken-ab12cd34ef56']);
    forceUnlock(d, 'prod', 'acme');
    expect(readdirSync(lockDir(d))).toEqual([]);
  });
});

describe('deploy lock: shared and exclusive', () => {
  it('GIVEN two shared holders WHEN an exclusive lock is asked THEN it is refused naming both readers; once they release it is taken', () => {
    const d = dir();
    const a = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', { mode: 'shared' });
    const b = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy globex', { mode: 'shared' });
    expect(lockHolders(d, 'prod', 'platform').map((h) => [h.mode, h.command])).toEqual([
      ['shared', 'pvecdk deploy acme'],
      ['shared', 'pvecdk deploy globex'],
    ]);
    let refusal: unknown;
    try {
      acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringMatching(
        /^stack platform on prod is being read by '[^']+' \(pid .+, and by '[^']+' \(pid /,
      ),
    });
    for (const reader of ['acme', 'globex'])
      expect((refusal as Error).message).toMatch(
        new RegExp(`'pvecdk deploy ${reader}' \\(pid ${process.pid} on ${hostname()}\\) since \\S+`),
      );
    a.release();
    b.release();
    b.release();
    const exclusive = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    expect(exclusive.mode).toBe('exclusive');
    expect(lockHolder(d, 'prod', 'platform')).toMatchObject({ mode: 'exclusive', pid: process.pid });
    exclusive.release();
  });

  it('GIVEN an exclusive holder WHEN a shared lock is asked THEN it is refused: a stack being changed is not read', () => {
    const d = dir();
    const changing = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform', {
      mode: 'exclusive',
    });
    expect(() => acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', { mode: 'shared' })).toThrow(
      expect.objectContaining({
        code: 'ENGINE_LOCKED',
        message: expect.stringContaining("is being changed by 'pvecdk deploy platform'"),
      }),
    );
    changing.release();
    acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', { mode: 'shared' }).release();
  });

  it('GIVEN an exclusive holder WHEN a shared lock is waited for THEN the wait is shown with the holder and ends when it releases', async () => {
    const d = dir();
    const changing = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    const shown: LockHolder[][] = [];
    const reading = await acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', {
      mode: 'shared',
      wait: {
        timeoutMs: 60_000,
        onWait: (holders) => {
          shown.push([...holders]);
          // The holder finishes while the other waits.
          changing.release();
        },
      },
    });
    expect(shown).toEqual([
      [expect.objectContaining({ mode: 'exclusive', command: 'pvecdk deploy platform' })],
    ]);
    expect(reading.mode).toBe('shared');
    reading.release();
  });

  it('GIVEN a holder that does not let go WHEN the wait ends THEN ENGINE_LOCKED names it and says it waited', async () => {
    const d = dir();
    const changing = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    await expect(
      acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', {
        mode: 'shared',
        wait: { timeoutMs: 300 },
      }),
    ).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringMatching(
        /being changed by 'pvecdk deploy platform' .*, still after waiting \d+ s$/,
      ),
    });
    changing.release();
  });

  it('GIVEN a wait WHEN its signal aborts (Ctrl-C) THEN the acquire rejects with the reason and holds nothing', async () => {
    const d = dir();
    const changing = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    const stop = new AbortController();
    await expect(
      acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', {
        wait: { timeoutMs: 60_000, signal: stop.signal, onWait: () => stop.abort(new Error('interrupted')) },
      }),
    ).rejects.toThrow('interrupted');
    expect(lockHolders(d, 'prod', 'platform').map((h) => h.command)).toEqual(['pvecdk deploy platform']);
    changing.release();
  });

  it('GIVEN holders of both modes WHEN forced THEN a shared lock removes only the exclusive holder, an exclusive lock removes every holder', () => {
    const d = dir();
    writeRecord(join(lockDir(d), 'platform.lock'), {
      pid: 1,
      hostname: 'ops-laptop',
      command: 'stuck deploy',
    });
    const reader = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy acme', {
      mode: 'shared',
      force: true,
    });
    expect(reader.removed.map((h) => h.command)).toEqual(['stuck deploy']);
    const other = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy globex', {
      mode: 'shared',
      force: true,
    });
    expect(other.removed).toEqual([]);
    const changing = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform', { force: true });
    expect(changing.removed.map((h) => h.command).sort()).toEqual([
      'pvecdk deploy acme',
      'pvecdk deploy globex',
    ]);
    expect(changing.tookOverFrom?.mode).toBe('shared');
    // Forced out, the readers' releases leave the new holder alone.
    reader.release();
    other.release();
    expect(lockHolders(d, 'prod', 'platform').map((h) => h.command)).toEqual(['pvecdk deploy platform']);
    changing.release();
  });

  it('GIVEN an exclusive holder WHEN it downgrades THEN it holds the stack shared in one step: readers join, a writer stays out', () => {
    const d = dir();
    const writer = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    const reading = writer.downgrade();
    expect(reading.mode).toBe('shared');
    expect(lockHolders(d, 'prod', 'platform').map((h) => [h.mode, h.command])).toEqual([
      ['shared', 'pvecdk deploy platform'],
    ]);
    const other = acquireDeployLock(d, 'prod', 'platform', 'another reader', { mode: 'shared' });
    expect(() => acquireDeployLock(d, 'prod', 'platform', 'another writer')).toThrow(/is being read by/);
    // The released exclusive holding does nothing more; a shared one downgrades to itself.
    writer.release();
    expect(reading.downgrade()).toBe(reading);
    expect(lockHolders(d, 'prod', 'platform')).toHaveLength(2);
    reading.release();
    other.release();
    acquireDeployLock(d, 'prod', 'platform', 'another writer').release();
  });

  it('GIVEN an exclusive holding broken by --force-unlock WHEN it downgrades THEN ENGINE_LOCKED names the new holder and nothing is added', () => {
    const d = dir();
    const writer = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    const forcer = acquireDeployLock(d, 'prod', 'platform', 'forcing deploy', { force: true });
    expect(() => writer.downgrade()).toThrow(/being changed by 'forcing deploy'/);
    expect(lockHolders(d, 'prod', 'platform').map((h) => h.command)).toEqual(['forcing deploy']);
    forcer.release();
  });

  it('GIVEN a shared holder left by a dead process WHEN an exclusive lock is asked THEN it is cleaned up and reported', () => {
    const d = dir();
    const dead = deadPid();
    writeRecord(join(lockDir(d), 'platform.shared', `${dead}-0a1b2c3d.json`), {
      pid: dead,
      hostname: hostname(),
      command: 'killed deploy acme',
      mode: 'shared',
    });
    const changing = acquireDeployLock(d, 'prod', 'platform', 'pvecdk deploy platform');
    expect(changing.tookOverFrom).toMatchObject({ pid: dead, mode: 'shared', command: 'killed deploy acme' });
    changing.release();
  });
});

describe('deploy lock: processes racing', () => {
  const N = 8;
  const ROUNDS = 10;
  type Outcome = { won: boolean; tookOverFrom: { pid: number } | null; code?: string; message?: string };

  /** Stacks platform-1..ROUNDS, each locked by a process that died; with `staleMutex`, died inside the mutex. */
  function staleLocks(d: string, staleMutex = false): number {
    const dead = deadPid();
    for (let round = 1; round <= ROUNDS; round++) {
      writeRecord(join(lockDir(d), `platform-${round}.lock`), {
        pid: dead,
        hostname: hostname(),
        command: 'killed deploy',
      });
      if (staleMutex)
        writeFileSync(
          join(lockDir(d), `platform-${round}.lock-mutex`),
          JSON.stringify({
            pid: dead,
            hostname: hostname(),
            since: '2026-11-24T10:00:00Z',
            token: `feedbeef${round}`,
          }),
        );
    }
    return dead;
  }

  /** Outcomes by round, then by worker. */
  async function race(d: string, mode: string): Promise<Outcome[][]> {
    const byWorker = await raceWorkers(
      Array.from({ length: N }, (_, i) => ['lock', d, mode, `racer ${i}`]),
      ROUNDS,
    );
    return Array.from({ length: ROUNDS }, (_, r) => byWorker.map((lines) => lines[r] as Outcome));
  }

  it(`GIVEN stale exclusive locks WHEN ${N} processes ask for each at once (${ROUNDS} rounds) THEN exactly one takes each over, the others are refused naming the winner`, async () => {
    const d = dir();
    const dead = staleLocks(d);
    for (const outcomes of await race(d, 'exclusive')) {
      const winners = outcomes.filter((o) => o.won);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.tookOverFrom).toMatchObject({ pid: dead });
      const winner = `racer ${outcomes.indexOf(winners[0]!)}`;
      for (const loser of outcomes.filter((o) => !o.won))
        expect(loser).toMatchObject({
          code: 'ENGINE_LOCKED',
          message: expect.stringContaining(`'${winner}'`),
        });
    }
  }, 120_000);

  it(`GIVEN stale exclusive locks and stale mutexes WHEN ${N} processes ask at once (${ROUNDS} rounds) THEN still exactly one wins each`, async () => {
    const d = dir();
    staleLocks(d, true);
    for (const outcomes of await race(d, 'exclusive')) expect(outcomes.filter((o) => o.won)).toHaveLength(1);
  }, 120_000);

  it(`GIVEN stale exclusive locks WHEN ${N} processes ask for each shared at once THEN all hold it together, and one process cleaned it up`, async () => {
    const d = dir();
    staleLocks(d);
    for (const outcomes of await race(d, 'shared')) {
      expect(outcomes.map((o) => o.won)).toEqual(Array(N).fill(true));
      expect(outcomes.filter((o) => o.tookOverFrom)).toHaveLength(1);
    }
  }, 120_000);
});
