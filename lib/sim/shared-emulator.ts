import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CurrentOwner, judgeOwner, readOwner, readTokenSecret } from './data-dir-owner.ts';
import { EmulatorError } from './emulator-errors.ts';
import { callEmulator, type EmulatorEndpoint } from './endpoint-client.ts';

/**
 * Why a background emulator: the CLI's embedded emulator is one process per
 * data dir that outlives every CLI using it. A CLI that finds one serving
 * its data dir (started by another CLI, or `pvecdk sim` run by hand) uses
 * it; otherwise it starts one, detached, and uses that. No CLI holds the
 * emulator in its own memory, so none can overwrite another's changes, and
 * a CLI killed mid-deploy kills nothing but itself: the tasks it started
 * finish in the emulator as they would on a cluster. The emulator exits on
 * its own after DEFAULT_IDLE_SECONDS without requests, never while a CLI
 * holds a lease on it or a task runs; `pvecdk sim --stop` stops it at once.
 */
export const DEFAULT_IDLE_SECONDS = 300;
/** How long a CLI waits for the emulator of its data dir to answer. */
export const START_WAIT_MS = 60_000;
/** A lease lasts this long and is renewed at a third of it while the CLI runs. */
const LEASE_SECONDS = 60;
/** The exit code of a background emulator that found its data dir served by another. */
export const BACKGROUND_BUSY_EXIT = 3;
/** The background emulators' log in the data dir (no secret is written to it). */
export const EMULATOR_LOG = 'emulator.log';

const BIN = fileURLToPath(new URL('../../bin/pvecdk.mjs', import.meta.url));

/** A running emulator of a data dir, as a client uses it. */
export interface SharedEmulator {
  readonly dataDir: string;
  readonly url: string;
  readonly fingerprint: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly pid: number;
  /** Whether this call started it; false when it was already running. */
  readonly startedHere: boolean;
  /** Seconds without requests after which it exits; undefined for one that serves until stopped. */
  readonly idleSeconds: number | undefined;
  /**
   * Ends this process's lease: the emulator keeps serving while a process
   * holds one (renewed while it runs), then exits after its idle time.
   */
  release(): Promise<void>;
}

export interface OpenSharedEmulatorOptions {
  /** For an emulator started here; one already running keeps its own. */
  readonly latencyScale?: number;
  readonly idleSeconds?: number;
  readonly waitMs?: number;
}

/**
 * The emulator serving `dataDir`: the one already running there, or one
 * started in the background now. Processes racing here all end up on the
 * same one: each may start a candidate, and exactly one candidate takes the
 * data dir (see data-dir-owner.ts); the others exit and their CLIs use the
 * winner.
 */
export async function openSharedEmulator(
  dataDir: string,
  options: OpenSharedEmulatorOptions = {},
): Promise<SharedEmulator> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (options.waitMs ?? START_WAIT_MS);
  let child: Candidate | undefined;
  let spawned = 0;
  while (Date.now() < deadline) {
    const owner = readOwner(dataDir);
    const verdict = owner ? await judgeOwner(dataDir, owner) : 'stale';
    if (verdict === 'serving') {
      const found = await connect(dataDir, owner!, child?.pid);
      if (found) {
        // Ours lost the race (or has yet to learn it did): it is not needed, and must not serve later.
        if (child && child.exit === undefined && child.pid !== found.pid) child.cancel();
        return found;
      }
    }
    if (verdict === 'stale' && (!child || child.exit !== undefined)) {
      // Ours failed for a reason of its own (not a lost race): say why, from its log.
      if (child && child.exit !== BACKGROUND_BUSY_EXIT && child.exit !== 0) throw startFailed(dataDir, child);
      if (spawned >= 5) break;
      child = startCandidate(dataDir, options);
      spawned += 1;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new EmulatorError(
    'EMULATOR_START',
    `${dataDir}: no emulator answered within ${Math.round((options.waitMs ?? START_WAIT_MS) / 1000)} s`,
    `see ${join(dataDir, EMULATOR_LOG)}; \`pvecdk sim --data-dir ${dataDir}\` runs one in the foreground`,
  );
}

/**
 * Stops the emulator serving `dataDir` (it finishes its running tasks and
 * saves its state first). Returns its pid, or undefined when none served.
 */
export async function stopSharedEmulator(
  dataDir: string,
  waitMs = START_WAIT_MS,
): Promise<number | undefined> {
  const deadline = Date.now() + waitMs;
  let owner = readOwner(dataDir);
  let verdict = owner ? await judgeOwner(dataDir, owner) : 'stale';
  // One that is starting is waited for (stopping it then is what was asked), one that is stopping too.
  while ((verdict === 'starting' || verdict === 'stopping') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    owner = readOwner(dataDir);
    verdict = owner ? await judgeOwner(dataDir, owner) : 'stale';
  }
  if (!owner?.record?.endpoint || verdict === 'stale') return undefined;
  const record = owner.record;
  if (verdict === 'stopping') return record.pid;
  const secret = readTokenSecret(dataDir)!;
  const answer = await callEmulator(record.endpoint!, secret, {
    method: 'POST',
    path: '/pvecdk-sim/stop',
    timeoutMs: 5_000,
  });
  if (answer?.status !== 202)
    throw new EmulatorError(
      'EMULATOR_START',
      `${dataDir}: the emulator (pid ${record.pid}) did not accept the stop request`,
      `see ${join(dataDir, EMULATOR_LOG)}`,
    );
  while (Date.now() < deadline) {
    const now = readOwner(dataDir);
    if (now?.generation !== owner.generation || now.record?.released) return record.pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  return record.pid;
}

interface Candidate {
  readonly pid: number | undefined;
  readonly logOffset: number;
  exit: number | undefined;
  /** Stops it (it was started here: no other process is ever signalled). */
  cancel(): void;
}

/** Starts a detached `pvecdk sim` on the data dir; its output goes to the data dir's log. */
function startCandidate(dataDir: string, options: OpenSharedEmulatorOptions): Candidate {
  const logFile = join(dataDir, EMULATOR_LOG);
  const log = openSync(logFile, 'a', 0o600);
  const logOffset = statSync(logFile).size;
  const args = [
    BIN,
    'sim',
    '--background',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--idle-seconds',
    String(options.idleSeconds ?? DEFAULT_IDLE_SECONDS),
    ...(options.latencyScale !== undefined ? ['--latency-scale', String(options.latencyScale)] : []),
  ];
  // The embedded emulator injects no faults: a fault plan in the environment is for `pvecdk sim` run by hand.
  const { PVECDK_SIM_FAULTS: _faults, ...env } = process.env;
  let proc: ChildProcess;
  try {
    proc = spawn(process.execPath, args, { cwd: dataDir, detached: true, stdio: ['ignore', log, log], env });
  } finally {
    closeSync(log);
  }
  const candidate: Candidate = {
    pid: proc.pid,
    logOffset,
    exit: undefined,
    cancel: () => {
      if (candidate.exit === undefined) proc.kill('SIGTERM');
    },
  };
  proc.once('exit', (code, signal) => {
    candidate.exit = code ?? (signal ? 128 : 1);
  });
  proc.once('error', () => {
    candidate.exit = 127;
  });
  // The CLI may exit while it serves: nothing of it keeps this process alive.
  proc.unref();
  return candidate;
}

function startFailed(dataDir: string, child: Candidate): EmulatorError {
  const logFile = join(dataDir, EMULATOR_LOG);
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').slice(child.logOffset).trim().split('\n').slice(-5).join('\n');
  } catch {
    tail = '';
  }
  return new EmulatorError(
    'EMULATOR_START',
    `${dataDir}: the background emulator exited with ${String(child.exit)}${tail ? `:\n${tail}` : ''}`,
    `see ${logFile}; \`pvecdk sim --data-dir ${dataDir}\` runs it in the foreground`,
  );
}

/**
 * Takes a lease on the owner's emulator, then checks it still owns the data
 * dir and is not stopping (it may have begun to, idle, just before the lease
 * came): undefined then, and the caller looks again.
 */
async function connect(
  dataDir: string,
  owner: CurrentOwner,
  ourPid: number | undefined,
): Promise<SharedEmulator | undefined> {
  const record = owner.record!;
  const endpoint = record.endpoint;
  const tokenSecret = readTokenSecret(dataDir);
  if (!endpoint || !tokenSecret) return undefined;
  const lease = await holdLease(endpoint, tokenSecret);
  const now = readOwner(dataDir);
  if (!lease || now?.generation !== owner.generation || now.record?.stoppingSince || now.record?.released) {
    await lease?.release();
    return undefined;
  }
  return {
    dataDir,
    url: endpoint.url,
    fingerprint: endpoint.fingerprint,
    tokenId: endpoint.tokenId,
    tokenSecret,
    pid: record.pid,
    startedHere: record.pid === ourPid,
    idleSeconds: record.idleSeconds,
    release: lease.release,
  };
}

/** A lease renewed while this process runs (its timer never keeps the process alive); undefined if refused. */
async function holdLease(
  endpoint: EmulatorEndpoint,
  tokenSecret: string,
): Promise<{ release(): Promise<void> } | undefined> {
  const holder = `pid ${process.pid} ${randomBytes(4).toString('hex')}`;
  const send = (method: 'PUT' | 'DELETE') =>
    callEmulator(endpoint, tokenSecret, {
      method,
      path: '/pvecdk-sim/lease',
      body: JSON.stringify({ holder, seconds: LEASE_SECONDS }),
      timeoutMs: 2_000,
    });
  if ((await send('PUT'))?.status !== 200) return undefined;
  const timer = setInterval(() => void send('PUT'), (LEASE_SECONDS * 1000) / 3);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await send('DELETE');
    },
  };
}
