import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PveClient } from '../lib/pve/index.ts';
import { Emulator, loadOrCreateCertificate, seedState, startEmulator } from '../lib/sim/index.ts';
import type { BenchResult } from './result.ts';

const REQUESTS = 3_000;
const CONCURRENCY = 16;

async function throughput(client: PveClient, path: string): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next += 1;
        await client.get(path);
      }
    }),
  );
  return REQUESTS / ((performance.now() - started) / 1000);
}

/** Requests per second through the emulator vs a bare HTTPS server answering `{"data":null}`. */
export async function requestThroughput(): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-bench-'));
  const cert = loadOrCreateCertificate(dataDir);
  const bare = createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":null}');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `https://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const server = await startEmulator({ port: 0, dataDir, latencyScale: 0 });
  const make = (url: string) =>
    new PveClient({
      hosts: [url],
      credentials: { tokenId: server.tokenId, tokenSecret: server.tokenSecret },
      tls: { fingerprint: server.fingerprint },
      concurrency: CONCURRENCY,
    });
  const bareClient = make(bareUrl);
  const emulatorClient = make(server.url);
  await throughput(bareClient, '/version'); // warm-up of both paths
  await throughput(emulatorClient, '/version');
  const baseline = await throughput(bareClient, '/version');
  const value = await throughput(emulatorClient, '/version');
  await bareClient.close();
  await emulatorClient.close();
  await server.close();
  bare.close();
  return {
    name: 'GET /version throughput',
    value: Math.round(value),
    unit: 'requests/s',
    baseline: Math.round(baseline),
    ratio: Number((value / baseline).toFixed(3)),
    note: `${REQUESTS} requests, ${CONCURRENCY} in flight, same client and TLS; baseline is a bare HTTPS server`,
  };
}

/** Time to answer /cluster/resources with 1,000 VMs, in process, vs serialising the same answer alone. */
export function clusterResourcesLatency(): BenchResult {
  const state = seedState();
  for (let i = 0; i < 1_000; i++) {
    const vmid = 1_000 + i;
    state.vms[vmid] = {
      vmid,
      node: `pve${(i % 3) + 1}`,
      status: 'running',
      snapshots: {},
      config: { name: `vm-${vmid}`, cores: 2, memory: '4096', tags: 'pvecdk' },
    };
  }
  const emulator = new Emulator(state, { latencyScale: 0 });
  const req = {
    method: 'GET',
    url: '/api2/json/cluster/resources',
    headers: { authorization: `PVEAPIToken=root@pam!pvecdk=${state.tokens['root@pam!pvecdk']!.secret}` },
    body: '',
  };
  const sample = JSON.parse(emulator.handle(req).body) as unknown;
  const rounds = 200;
  const time = (fn: () => void) => {
    for (let i = 0; i < 20; i++) fn();
    const t = performance.now();
    for (let i = 0; i < rounds; i++) fn();
    return (performance.now() - t) / rounds;
  };
  const value = time(() => emulator.handle(req));
  const baseline = time(() => JSON.stringify(sample));
  return {
    name: '/cluster/resources with 1,000 VMs',
    value: Number(value.toFixed(3)),
    unit: 'ms per call',
    baseline: Number(baseline.toFixed(3)),
    ratio: Number((value / baseline).toFixed(2)),
    note: `${rounds} calls in process (auth, schema validation, handler, JSON); baseline is JSON.stringify of the same answer`,
  };
}
