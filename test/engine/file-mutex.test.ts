import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type MutexOwner, processIsGone, withFileMutex } from '../../lib/engine/file-mutex.ts';
import { deadPid, raceWorkers } from './process-race.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pvecdk-mutex-'));
const owner = (pid: number, host: string, token = 'c0ffee000001') =>
  JSON.stringify({ pid, hostname: host, since: '2026-11-24T10:00:00Z', token });

class Busy extends Error {
  constructor(readonly owner: MutexOwner | undefined) {
    super('busy');
  }
}
const busy = (o: MutexOwner | undefined) => new Busy(o);

describe('file mutex', () => {
  it('GIVEN processes WHEN checked THEN only a process of this host that no longer runs is gone', () => {
    expect(processIsGone(deadPid(), hostname())).toBe(true);
    expect(processIsGone(process.pid, hostname())).toBe(false);
    expect(processIsGone(deadPid(), 'another-host')).toBe(false);
    // 0 would signal the whole process group: never a process to judge.
    expect(processIsGone(0, hostname())).toBe(false);
  });

  it('GIVEN a critical section WHEN it throws THEN the mutex is released all the same', () => {
    const path = join(dir(), 'm.mutex');
    expect(() =>
      withFileMutex(path, { timeoutMs: 1000, busy }, () => {
        expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
        throw new Error('failed inside');
      }),
    ).toThrow('failed inside');
    expect(existsSync(path)).toBe(false);
  });

  it('GIVEN a mutex held by a process of another host WHEN the wait ends THEN busy names the owner; forced, it is broken and taken', () => {
    const d = dir();
    const path = join(d, 'm.mutex');
    writeFileSync(path, owner(4242, 'ops-laptop'));
    expect(() => withFileMutex(path, { timeoutMs: 50, busy }, () => 'ran')).toThrow(
      expect.objectContaining({ owner: expect.objectContaining({ pid: 4242, hostname: 'ops-laptop' }) }),
    );
    expect(withFileMutex(path, { timeoutMs: 50, busy, force: true }, () => 'ran')).toBe('ran');
    expect(readdirSync(d)).toEqual(['m.mutex.broken-c0ffee000001']);
  });

  it('GIVEN a mutex record that cannot be read WHEN waited for THEN its owner is never judged gone: busy, without an owner', () => {
    const path = join(dir(), 'm.mutex');
    writeFileSync(path, owner(deadPid(), hostname(), '../../escape'));
    expect(() => withFileMutex(path, { timeoutMs: 50, busy }, () => 'ran')).toThrow(
      expect.objectContaining({ owner: undefined }),
    );
  });

  it("GIVEN the mutex was broken and re-taken by another process while held WHEN the holder ends THEN it leaves the other's mutex alone", () => {
    const path = join(dir(), 'm.mutex');
    withFileMutex(path, { timeoutMs: 1000, busy }, () => {
      writeFileSync(path, owner(4242, 'ops-laptop'));
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 4242 });
  });

  const N = 8;
  const ROUNDS = 20;

  it(`GIVEN mutexes left by a process that died inside them WHEN ${N} processes count under each at once (${ROUNDS} rounds) THEN none is ever inside with another and no addition is lost`, async () => {
    const d = dir();
    const counter = join(d, 'counter');
    const dead = deadPid();
    for (let round = 1; round <= ROUNDS; round++) {
      writeFileSync(`${counter}-${round}`, '0');
      writeFileSync(`${counter}-${round}.mutex`, owner(dead, hostname(), `dead0000000${round}`));
    }
    const times = 5;
    const results = await raceWorkers(
      Array.from({ length: N }, () => ['count', counter, String(times)]),
      ROUNDS,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      expect(results.map((r) => r[round - 1])).toEqual(Array(N).fill({ counted: times, overlaps: 0 }));
      expect(Number(readFileSync(`${counter}-${round}`, 'utf8'))).toBe(N * times);
    }
  }, 120_000);
});
