import { parseArgs } from 'node:util';
import { EmulatorError } from './emulator-errors.ts';
import { type FaultPlan, FaultPlanSchema } from './faults.ts';
import { startEmulator } from './server.ts';

const SIM_USAGE =
  'pvecdk sim [--port N] [--data-dir DIR] [--reset] [--json] [--latency-scale X] [--nodes N] [--faults JSON]';

/**
 * `pvecdk sim`: serves the emulator until interrupted. Prints the URL, token
 * id and secret and the certificate fingerprint, or with --json one JSON
 * line when ready.
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
    },
    strict: true,
  });
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
  const server = await startEmulator({
    ...(faults ? { faults } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.reset ? { reset: true } : {}),
    ...(latencyScale !== undefined ? { latencyScale } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
  });
  if (values.json) {
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
        '  Ctrl-C stops it; the state is kept in the data dir.',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
