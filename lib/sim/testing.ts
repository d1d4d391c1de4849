import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PveApi } from '../pve/api/pve-api.ts';
import { PveClient, type PveClientOptions } from '../pve/client.ts';
import { type RunningSimulator, type StartSimulatorOptions, startSimulator } from './server.ts';

export interface TestEmulator {
  readonly sim: RunningSimulator;
  readonly client: PveClient;
  readonly api: PveApi;
  close(): Promise<void>;
}

/**
 * An emulator on a free loopback port with a fresh data dir and near-zero
 * latency, plus a pinned client and API for it: what tests of handlers,
 * engines and clients need in one call.
 */
export async function startTestEmulator(
  options: StartSimulatorOptions = {},
  client: Partial<PveClientOptions> = {},
): Promise<TestEmulator> {
  const sim = await startSimulator({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pvecdk-emulator-')),
    latencyScale: 0.001,
    ...options,
  });
  const c = new PveClient({
    hosts: [sim.url],
    credentials: { tokenId: sim.tokenId, tokenSecret: sim.tokenSecret },
    tls: { fingerprint: sim.fingerprint },
    ...client,
  });
  return {
    sim,
    client: c,
    api: new PveApi(c, { pollMs: 2, maxPollMs: 5 }),
    close: async () => {
      await c.close();
      await sim.close();
    },
  };
}
