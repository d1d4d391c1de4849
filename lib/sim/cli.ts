import { parseArgs } from 'node:util';
import type { StopReason } from './admin-endpoint.ts';
import { EmulatorError } from './emulator-errors.ts';
import { type FaultPlan, FaultPlanSchema } from './faults.ts';
import { type RunningEmulator, startEmulator } from './server.ts';
import { BACKGROUND_BUSY_EXIT, stopSharedEmulator } from './shared-emulator.ts';

const SIM_USAGE =
  'pvecdk sim [--port N] [--data-dir DIR] [--reset] [--json] [--latency-scale X] [--nodes N] [--faults JSON] [--idle-seconds N] | pvecdk sim --stop [--data-dir DIR]';

const DEFAULT_DATA_DIR = '.pvecdk/sim';

/**
 * `pvecdk sim`: serves the emulator until interrupted (or stopped with
 * `pvecdk sim --stop`, or idle for --idle-seconds). Prints the URL, token
 * id and secret and the certificate fingerprint, or with --json one JSON
 * line when ready. `--background` is how the CLI starts its embedded
 * emulator (see shared-emulator.ts): its output goes to a log, so it prints
 * no secret, and a data dir already served is not an error but exit 3.
 */
export async function runEmulatorCli(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      reset: { type: 'boolean' },
      json: { type: 'boolean' },
      'latency-scale': { type: 'string' },
      nodes: { type: 'string' },
      faults: { type: 'string' },
      'idle-seconds': { type: 'string' },
      stop: { type: 'boolean' },
      background: { type: 'boolean' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  if (values.stop) return stopCommand(dataDir, Boolean(values.json));
  const number = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min)
      throw new EmulatorError(
        'EMULATOR_USAGE',
        `--${name} must be a number >= ${min}, got '${text}'`,
        SIM_USAGE,
      );
    return n;
  };
  const port = number('port', values.port, 0);
  const latencyScale = number('latency-scale', values['latency-scale'], 0);
  const nodes = number('nodes', values.nodes, 1);
  const idleSeconds = number('idle-seconds', values['idle-seconds'], 1);
  // A fault plan as JSON, from --faults or PVECDK_SIM_FAULTS (see lib/sim/faults.ts).
  const faultsText = values.faults ?? process.env.PVECDK_SIM_FAULTS;
  let faults: Partial<FaultPlan> | undefined;
  if (faultsText) {
    try {
      faults = FaultPlanSchema.parse(JSON.parse(faultsText));
    } catch (e) {
      throw new EmulatorError(
        'EMULATOR_USAGE',
        `--faults must be a fault plan as JSON: ${(e as Error).message}`,
        `e.g. --faults '{"seed":1,"rules":[{"method":"GET","rate":0.2,"fault":"server-error"}]}' (see the README)`,
      );
    }
  }
  let server: RunningEmulator;
  try {
    server = await startEmulator({
      ...(faults ? { faults } : {}),
      ...(port !== undefined ? { port } : {}),
      dataDir,
      ...(values.reset ? { reset: true } : {}),
      ...(latencyScale !== undefined ? { latencyScale } : {}),
      ...(nodes !== undefined ? { nodes } : {}),
      ...(idleSeconds !== undefined ? { idleSeconds } : {}),
    });
  } catch (e) {
    if (values.background && e instanceof EmulatorError && e.code === 'EMULATOR_BUSY') {
      process.stdout.write(`${stamp()} pid ${process.pid}: ${e.message}; exiting\n`);
      return BACKGROUND_BUSY_EXIT;
    }
    throw e;
  }
  if (values.background) {
    process.stdout.write(
      `${stamp()} pid ${process.pid} serves ${dataDir} at ${server.url}${
        idleSeconds ? `, until ${idleSeconds} s pass without requests` : ''
      }\n`,
    );
  } else if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ url: server.url, tokenId: server.tokenId, tokenSecret: server.tokenSecret, fingerprint: server.fingerprint })}\n`,
    );
  } else {
    process.stdout.write(
      [
        'Proxmox VE emulator (pvecdk) is running',
        `  url          ${server.url}`,
        `  token id     ${server.tokenId}`,
        `  token secret ${server.tokenSecret}`,
        `  fingerprint  ${server.fingerprint}`,
        '',
        `  curl -k -H 'Authorization: PVEAPIToken=${server.tokenId}=${server.tokenSecret}' ${server.url}/api2/json/version`,
        `  Ctrl-C (or pvecdk sim --stop --data-dir ${dataDir}) stops it; the state is kept in the data dir.`,
        '',
      ].join('\n'),
    );
  }
  const reason = await untilStopped(server, idleSeconds);
  await server.close();
  if (reason === 'ownership-lost') {
    process.stderr.write(
      `${stamp()} pid ${process.pid}: another emulator took ${dataDir} over; this one stopped without saving\n`,
    );
    return 1;
  }
  if (values.background) process.stdout.write(`${stamp()} pid ${process.pid} stopped (${reason})\n`);
  return 0;
}

/** Resolves when the emulator should stop: a signal, a stop request, a lost data dir, or idleness. */
function untilStopped(
  server: RunningEmulator,
  idleSeconds: number | undefined,
): Promise<StopReason | 'signal' | 'idle'> {
  return new Promise((resolve) => {
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = (reason: StopReason | 'signal' | 'idle') => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (idleTimer) clearInterval(idleTimer);
      resolve(reason);
    };
    const onSignal = () => finish('signal');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void server.stopRequested.then(finish);
    if (idleSeconds !== undefined) {
      idleTimer = setInterval(() => {
        if (server.activity.idleMs(server.emulator.tasks.running()) >= idleSeconds * 1000) finish('idle');
      }, 250);
    }
  });
}

async function stopCommand(dataDir: string, json: boolean): Promise<number> {
  const pid = await stopSharedEmulator(dataDir);
  if (json) process.stdout.write(`${JSON.stringify({ dataDir, stopped: pid ?? null })}\n`);
  else
    process.stdout.write(
      pid === undefined
        ? `no emulator serves ${dataDir}\n`
        : `stopped the emulator that served ${dataDir} (pid ${pid})\n`,
    );
  return 0;
}

const stamp = () => new Date().toISOString();
