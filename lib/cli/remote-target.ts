import { join } from 'node:path';
import { SecretStore } from '../engine/secrets/secret-store.ts';
import { PveApi } from '../pve/api/pve-api.ts';
import { PveClient } from '../pve/client.ts';
import { startEmulator } from '../sim/server.ts';
import type { ProjectConfig } from './config.ts';
import { CliError } from './errors.ts';
import { stateDirFor } from './remote-state.ts';

export interface RemoteTarget {
  readonly name: string;
  readonly api: PveApi;
  /** The API token deploys use, named in permission errors. */
  readonly tokenId: string;
  /** Where this remote's state, locks and secrets live. */
  readonly stateDir: string;
  /** Set when the embedded emulator serves this deploy. */
  readonly emulator: { readonly url: string; readonly dataDir: string } | undefined;
  close(): Promise<void>;
}

/**
 * The remote a deploy talks to: the one named (or the stacks' own), from
 * cdk.json or the PVECDK_* environment; with nothing configured, the
 * embedded emulator, whose state persists under the state dir.
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
    const secrets = new SecretStore(join(cwd, config.stateDir), name, cwd);
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
      emulator: undefined,
      close: () => client.close(),
    };
  }
  const dataDir = stateDirFor(config, name, cwd);
  const latencyScale = Number(process.env.PVECDK_SIM_LATENCY_SCALE ?? '0.05');
  const server = await startEmulator({
    port: 0,
    dataDir,
    latencyScale: Number.isFinite(latencyScale) ? latencyScale : 0.05,
  });
  const client = new PveClient({
    hosts: [server.url],
    credentials: { tokenId: server.tokenId, tokenSecret: server.tokenSecret },
    tls: { fingerprint: server.fingerprint },
    concurrency,
  });
  return {
    name,
    api: new PveApi(client, { pollMs: 20, maxPollMs: 200 }),
    tokenId: server.tokenId,
    stateDir: dataDir,
    emulator: { url: server.url, dataDir },
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}
