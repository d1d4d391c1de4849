import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/private/atomic-file.ts';
import { EmulatorError } from './emulator-errors.ts';
import { type EmulatorEndpoint, emulatorAnswers } from './endpoint-client.ts';

/** What the owner of a data dir says of itself: which process, since when, and where it answers. */
export interface OwnerRecord {
  readonly pid: number;
  /** ISO time the process took the data dir. */
  readonly startedAt: string;
  /** Set once the emulator listens. */
  readonly endpoint?: EmulatorEndpoint;
  /** Seconds without requests after which a background emulator exits; absent for one that serves until stopped. */
  readonly idleSeconds?: number;
  /** ISO time the owner began to stop: it finishes its tasks, saves, then lets go. */
  readonly stoppingSince?: string;
  /** Written when the owner let go of the data dir. */
  readonly released?: boolean;
}

/** The owner record with the highest generation in a data dir: the one that counts. */
export interface CurrentOwner {
  readonly generation: number;
  /** Undefined when the file cannot be read as a record (treated as stale). */
  readonly record: OwnerRecord | undefined;
}

/** `starting` and `stopping` are waited for; only `stale` may be taken over. */
export type OwnerVerdict = 'serving' | 'starting' | 'stopping' | 'stale';

/** The folder, inside a data dir, of the owner records. */
export const OWNER_DIR = 'owner';
/** The file, inside a data dir, that holds the root token's secret for clients of a running emulator. */
export const TOKEN_SECRET_FILE = 'root-token.secret';
/**
 * How long an owner may take from taking the data dir to answering, or from
 * beginning to stop to letting go, before others count it as stuck.
 */
export const STARTUP_GRACE_MS = 60_000;

const GENERATION_FILE = /^(\d+)\.json$/;

/**
 * Who owns a data dir, so that one emulator serves it. Each owner takes a
 * new generation: a file `owner/<n>.json`, made complete in a temporary
 * file and linked into place (a link fails when the name exists, so of
 * processes racing for one generation exactly one wins). The highest
 * generation is the owner; a new process takes generation n+1 only when
 * generation n is stale: its process is gone, it let go, it did not come up
 * within STARTUP_GRACE_MS, or it does not answer a pinned, authenticated
 * `GET /version`. Generations only grow (an owner removes only older files,
 * and lets go by marking its own released), so a process that judged an old
 * generation stale can never replace a newer owner: its link fails, or its
 * file is not the highest and it backs off. An owner that was judged stale
 * while alive (a stopped process) learns it from `isCurrent()` and must
 * stop writing state.
 */
export class DataDirOwnership {
  private constructor(
    readonly dataDir: string,
    readonly generation: number,
    private record: OwnerRecord,
  ) {}

  /** Takes the data dir, or throws EMULATOR_BUSY naming the process that serves it. */
  static async acquire(dataDir: string, options: { idleSeconds?: number } = {}): Promise<DataDirOwnership> {
    const dir = join(dataDir, OWNER_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const record: OwnerRecord = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      ...(options.idleSeconds !== undefined ? { idleSeconds: options.idleSeconds } : {}),
    };
    // Each turn either wins, meets a live owner (busy), or sees a newer generation to judge.
    for (let turn = 0; turn < 50; turn++) {
      const current = readOwner(dataDir);
      if (current && (await judgeOwner(dataDir, current)) !== 'stale') throw busy(dataDir, current);
      const generation = (current?.generation ?? 0) + 1;
      if (!linkRecord(dir, generation, record)) continue;
      if (highestGeneration(dir) !== generation) {
        // Judged an older generation than the newest: that one is the owner to judge next turn.
        unlinkQuietly(join(dir, `${generation}.json`));
        continue;
      }
      const owned = new DataDirOwnership(dataDir, generation, record);
      owned.removeOlder();
      return owned;
    }
    const current = readOwner(dataDir);
    throw busy(dataDir, current ?? { generation: 0, record: undefined });
  }

  /** Whether this process still owns the data dir (no newer generation took it over). */
  isCurrent(): boolean {
    return highestGeneration(join(this.dataDir, OWNER_DIR)) === this.generation;
  }

  /** Says where the emulator answers, and keeps the token's secret beside it for clients. */
  publish(endpoint: EmulatorEndpoint, tokenSecret: string): void {
    writeFileAtomic(join(this.dataDir, TOKEN_SECRET_FILE), `${tokenSecret}\n`, 0o600);
    this.record = { ...this.record, endpoint };
    this.rewrite();
  }

  /**
   * Says the emulator is stopping, before its port closes: others wait for
   * it to let go rather than take over an owner that merely stopped answering.
   */
  markStopping(): void {
    if (!this.isCurrent()) return;
    this.record = { ...this.record, stoppingSince: new Date().toISOString() };
    this.rewrite();
  }

  /** Lets go of the data dir: the record stays (generations only grow), marked released. */
  release(): void {
    if (!this.isCurrent()) return;
    this.record = { ...this.record, released: true };
    this.rewrite();
  }

  private rewrite(): void {
    const dir = join(this.dataDir, OWNER_DIR);
    const tmp = writeTemp(dir, this.record);
    renameSync(tmp, join(dir, `${this.generation}.json`));
  }

  /** Older generations, and temporary files of processes that are gone. */
  private removeOlder(): void {
    const dir = join(this.dataDir, OWNER_DIR);
    for (const name of readdirSync(dir)) {
      const gen = GENERATION_FILE.exec(name);
      if (gen && Number(gen[1]) < this.generation) unlinkQuietly(join(dir, name));
      const tmp = /^\.tmp-(\d+)-/.exec(name);
      if (tmp && !processAlive(Number(tmp[1]))) unlinkQuietly(join(dir, name));
    }
  }
}

/** The current owner record of a data dir, or undefined when none was ever taken. */
export function readOwner(dataDir: string): CurrentOwner | undefined {
  const dir = join(dataDir, OWNER_DIR);
  const generation = highestGeneration(dir);
  if (generation === 0) return undefined;
  try {
    const record = JSON.parse(readFileSync(join(dir, `${generation}.json`), 'utf8')) as OwnerRecord;
    return { generation, record: typeof record?.pid === 'number' ? record : undefined };
  } catch {
    return { generation, record: undefined };
  }
}

/** The root token's secret a running emulator left for its clients, or undefined. */
export function readTokenSecret(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, TOKEN_SECRET_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether an owner serves (alive and answering), is still starting or
 * stopping (alive, for less than STARTUP_GRACE_MS), or is stale and may be
 * taken over.
 */
export async function judgeOwner(dataDir: string, owner: CurrentOwner): Promise<OwnerVerdict> {
  const record = owner.record;
  if (!record || record.released || !processAlive(record.pid)) return 'stale';
  const within = (since: string) => Date.now() - Date.parse(since) < STARTUP_GRACE_MS;
  if (record.stoppingSince) return within(record.stoppingSince) ? 'stopping' : 'stale';
  if (!record.endpoint) return within(record.startedAt) ? 'starting' : 'stale';
  const secret = readTokenSecret(dataDir);
  if (!secret) return 'stale';
  // A busy event loop may miss one probe: only three misses in a row make an owner stale.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await emulatorAnswers(record.endpoint, secret)) return 'serving';
  }
  return 'stale';
}

/** Whether a process with this id exists (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busy(dataDir: string, owner: CurrentOwner): EmulatorError {
  const r = owner.record;
  const phase = r?.stoppingSince ? ', stopping' : r?.endpoint ? `, ${r.endpoint.url}` : ', starting';
  const who = r ? `pid ${r.pid}${phase}, since ${r.startedAt}` : 'a process that is starting';
  return new EmulatorError(
    'EMULATOR_BUSY',
    `${dataDir}: another emulator serves this data dir (${who})`,
    `use that one (pvecdk deploy and diff do so by themselves), or stop it first: pvecdk sim --stop --data-dir ${dataDir}`,
  );
}

function highestGeneration(dir: string): number {
  let highest = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = GENERATION_FILE.exec(name);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  return highest;
}

/** Links a complete record as `<generation>.json`; false when that generation exists already. */
function linkRecord(dir: string, generation: number, record: OwnerRecord): boolean {
  const tmp = writeTemp(dir, record);
  try {
    linkSync(tmp, join(dir, `${generation}.json`));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkQuietly(tmp);
  }
}

function writeTemp(dir: string, record: OwnerRecord): string {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone: another process cleaned it up.
  }
}
