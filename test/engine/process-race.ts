import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./workers/race-worker.ts', import.meta.url));

/** What one worker printed between `go` and `done`, one JSON value per line. */
export type WorkerOutput = unknown[];

interface Worker {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: string[];
  readonly reached: (word: string, times?: number) => Promise<void>;
  readonly exited: Promise<number | null>;
}

function startWorker(args: readonly string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiting = new Map<string, () => void>();
  const seen = new Map<string, number>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready' || line === 'done') {
      seen.set(line, (seen.get(line) ?? 0) + 1);
      waiting.get(`${line} ${seen.get(line)}`)?.();
    } else lines.push(line);
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  /** Resolves once the worker said `word` `times` times. */
  const reached = (word: string, times = 1) =>
    (seen.get(word) ?? 0) >= times
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiting.set(`${word} ${times}`, resolve);
          // A worker that dies before saying the word fails the race instead of hanging it.
          void exited.then((code) =>
            reject(
              new Error(`worker ${args.join(' ')} exited ${code} before '${word}':\n${stderr.join('')}`),
            ),
          );
        });
  return { child, lines, stderr, reached, exited };
}

/**
 * Runs one worker per entry of `argsPerWorker` (test/engine/workers/race-worker.ts)
 * so that they do their work at the same moment: each prepares and says
 * `ready`; then, `rounds` times, all are sent `go` at once and each does one
 * round of its work, prints its result (one JSON line) and `done`. Workers
 * keep what they hold (locks) until every round of every worker is done, so a
 * winner cannot let a later worker win too. Returns each worker's results, by round.
 */
export async function raceWorkers(
  argsPerWorker: readonly (readonly string[])[],
  rounds = 1,
): Promise<WorkerOutput[]> {
  const workers = argsPerWorker.map(startWorker);
  try {
    await Promise.all(workers.map((w) => w.reached('ready')));
    for (let round = 1; round <= rounds; round++) {
      for (const w of workers) w.child.stdin!.write('go\n');
      await Promise.all(workers.map((w) => w.reached('done', round)));
    }
    for (const w of workers) w.child.stdin!.end();
    const codes = await Promise.all(workers.map((w) => w.exited));
    const failed = codes.findIndex((c) => c !== 0);
    if (failed >= 0)
      throw new Error(`worker ${failed} exited ${codes[failed]}:\n${workers[failed]!.stderr.join('')}`);
    return workers.map((w) => w.lines.map((l) => JSON.parse(l) as unknown));
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill();
  }
}

/** The pid of a process of this host that has exited: what a crashed deploy leaves in its records. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}
