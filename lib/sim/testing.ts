import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PveApi } from '../pve/api/pve-api.ts';
import { PveClient, type PveClientOptions } from '../pve/client.ts';
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from './server.ts';

export interface TestEmulator {
  readonly server: RunningEmulator;
  readonly client: PveClient;
  readonly api: PveApi;
  close(): Promise<void>;
}

/**
 * An emulator on a free loopback port with a fresh data dir and near-zero
 * latency, plus a pinned client and API for it: what tests of handlers,
 * engines and clients need in one call. Every answer is checked against the
 * schema's `returns`: a mismatch answers 500 where it happens, and `close()`
 * fails with all of them, so a test that swallowed the error fails too.
 */
export async function startTestEmulator(
  options: StartEmulatorOptions = {},
  client: Partial<PveClientOptions> = {},
): Promise<TestEmulator> {
  const server = await startEmulator({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pvecdk-emulator-')),
    latencyScale: 0.001,
    checkAnswers: true,
    ...options,
  });
  const c = new PveClient({
    hosts: [server.url],
    credentials: { tokenId: server.tokenId, tokenSecret: server.tokenSecret },
    tls: { fingerprint: server.fingerprint },
    ...client,
  });
  return {
    server,
    client: c,
    api: new PveApi(c, { pollMs: 2, maxPollMs: 5 }),
    close: async () => {
      await c.close();
      await server.close();
    },
  };
}
