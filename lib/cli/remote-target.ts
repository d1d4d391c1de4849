import { join } from 'node:path';
import type { StateBackend } from '../engine/backends/state-backend.ts';
import type { GuestEndpointResolver } from '../engine/guest/guest-endpoint.ts';
import { PveApi } from '../pve/api/pve-api.ts';
import { PveClient } from '../pve/client.ts';
import { DEFAULT_IDLE_SECONDS, openSharedEmulator } from '../sim/shared-emulator.ts';
import type { ProjectConfig } from './config.ts';
import { emulatorGuestEndpoints, emulatorPublishesGuests } from './emulator-guest-endpoints.ts';
import { CliError } from './errors.ts';
import { stateDirFor } from './remote-state.ts';
import { secretStoreFor } from './secret-store-for.ts';
import { stateBackendFor } from './state-backend-for.ts';

export interface RemoteTarget {
  readonly name: string;
  readonly api: PveApi;
  /** The API token deploys use, named in permission errors. */
  readonly tokenId: string;
  /** Where this remote's secrets (and, with the local backend, state and locks) live. */
  readonly stateDir: string;
  /** Where this remote's state, locks and history are kept (cdk.json's backend); closed by `close`. */
  readonly backend: StateBackend;
  /** Set when the embedded emulator serves this deploy. */
  readonly emulator: EmbeddedEmulatorInfo | undefined;
  /**
   * Where guests answer SSH: the emulator's published endpoints; undefined
   * for a real cluster, whose guests answer on the addresses in the plan,
   * and for an emulator that emulates no guests (see `guestTransportFor`).
   */
  readonly guestEndpoints: GuestEndpointResolver | undefined;
  close(): Promise<void>;
}

/** The embedded emulator a command uses, for its banner. */
export interface EmbeddedEmulatorInfo {
  readonly url: string;
  readonly dataDir: string;
  /** The process that serves it. */
  readonly pid: number;
  /** Whether this command started it; false when it was already running for the data dir. */
  readonly startedHere: boolean;
  /** Seconds without requests after which it exits; undefined when it serves until stopped (`pvecdk sim`). */
  readonly idleSeconds: number | undefined;
}

/**
 * The remote a deploy talks to: the one named (or the stacks' own), from
 * cdk.json or the PVECDK_* environment; with nothing configured, the
 * embedded emulator of the state dir: the one already serving it (another
 * CLI's, or `pvecdk sim` on it), else one started in the background (see
 * lib/sim/shared-emulator.ts for why). Its latency scale comes from
 * PVECDK_SIM_LATENCY_SCALE (default 0.05) and its idle time from
 * PVECDK_SIM_IDLE_SECONDS (default 300) when it is started here.
 */
export async function openRemote(
  config: ProjectConfig,
  name: string,
  cwd: string,
  concurrency: number,
): Promise<RemoteTarget> {
  const fromConfig = config.remotes[name];
  const url = process.env.PVECDK_URL;
  if (fromConfig || url) {
    const secrets = secretStoreFor(config, join(cwd, config.stateDir), name, cwd);
    const hosts = fromConfig ? fromConfig.hosts : [url!];
    const tokenId = fromConfig?.tokenId ?? process.env.PVECDK_TOKEN_ID;
    const tokenSecret = fromConfig
      ? secrets.resolve(fromConfig.tokenSecret)
      : process.env.PVECDK_TOKEN_SECRET;
    if (!tokenId || !tokenSecret) {
      throw new CliError(
        'CLI_CONFIG',
        `remote ${name}: no API token`,
        'set tokenId/tokenSecret in cdk.json, or PVECDK_TOKEN_ID and PVECDK_TOKEN_SECRET',
      );
    }
    // Before the client, so a backend misconfigured in cdk.json leaves nothing open.
    const backend = stateBackendFor(config, name, cwd);
    const fingerprint = fromConfig?.fingerprint ?? process.env.PVECDK_FINGERPRINT;
    const client = new PveClient({
      hosts,
      credentials: { tokenId, tokenSecret },
      tls: {
        ...(fingerprint ? { fingerprint } : {}),
        ...(fromConfig?.caFile ? { caFile: join(cwd, fromConfig.caFile) } : {}),
      },
      concurrency: fromConfig?.concurrency ?? concurrency,
    });
    return {
      name,
      api: new PveApi(client),
      tokenId,
      stateDir: stateDirFor(config, name, cwd),
      backend,
      emulator: undefined,
      guestEndpoints: undefined,
      close: async () => {
        await client.close();
        await backend.close();
      },
    };
  }
  const dataDir = stateDirFor(config, name, cwd);
  const latencyScale = Number(process.env.PVECDK_SIM_LATENCY_SCALE ?? '0.05');
  const idleSeconds = Number(process.env.PVECDK_SIM_IDLE_SECONDS ?? DEFAULT_IDLE_SECONDS);
  const shared = await openSharedEmulator(dataDir, {
    latencyScale: Number.isFinite(latencyScale) && latencyScale >= 0 ? latencyScale : 0.05,
    idleSeconds: Number.isFinite(idleSeconds) && idleSeconds >= 1 ? idleSeconds : DEFAULT_IDLE_SECONDS,
  });
  const client = new PveClient({
    hosts: [shared.url],
    credentials: { tokenId: shared.tokenId, tokenSecret: shared.tokenSecret },
    tls: { fingerprint: shared.fingerprint },
    concurrency,
  });
  return {
    name,
    api: new PveApi(client, { pollMs: 20, maxPollMs: 200 }),
    tokenId: shared.tokenId,
    stateDir: dataDir,
    backend: stateBackendFor(config, name, cwd),
    emulator: {
      url: shared.url,
      dataDir,
      pid: shared.pid,
      startedHere: shared.startedHere,
      idleSeconds: shared.idleSeconds,
    },
    guestEndpoints: (await emulatorPublishesGuests(shared)) ? emulatorGuestEndpoints(shared) : undefined,
    close: async () => {
      await client.close();
      // The lease taken on opening kept it up, even while this command waited on its operator.
      await shared.release();
    },
  };
}
