import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PveClient } from '../lib/pve/index.ts';
import {
  Emulator,
  type EmulatorState,
  loadOrCreateCertificate,
  seedState,
  startEmulator,
} from '../lib/sim/index.ts';
import type { BenchResult } from './result.ts';

const REQUESTS = 3_000;
/** Each answer is ~150 KB: fewer requests give as steady a figure. */
const RESOURCE_REQUESTS = 600;
const CONCURRENCY = 16;
const VMS = 1_000;

async function throughput(client: PveClient, path: string, requests: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests) {
        next += 1;
        await client.get(path);
      }
    }),
  );
  return requests / ((performance.now() - started) / 1000);
}

/** A bare HTTPS server answering every request with `body`, on the emulator's certificate. */
async function bareServer(cert: { key: string; cert: string }, body: () => string) {
  const bare = createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body());
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(bare.address() as AddressInfo).port}`, close: () => bare.close() };
}

/** Adds `count` running VMs spread over the three nodes, as a platform of that size has. */
function addVms(state: EmulatorState, count: number): void {
  for (let i = 0; i < count; i++) {
    const vmid = 1_000 + i;
    state.vms[vmid] = {
      vmid,
      node: `pve${(i % 3) + 1}`,
      status: 'running',
      snapshots: {},
      config: { name: `vm-${vmid}`, cores: 2, memory: '4096', tags: 'pvecdk' },
    };
  }
}

/**
 * Over HTTPS, through the client the engine uses: `GET /version` and
 * `GET /cluster/resources` with 1,000 VMs, requests per second from the
 * emulator against a bare HTTPS server of the same run answering the same
 * bytes (the emulator's own answer, serialised once): what the emulator adds
 * to TLS, HTTP and the client (authentication, schema validation, handler).
 */
export async function requestThroughput(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-bench-'));
  const cert = loadOrCreateCertificate(dataDir);
  const server = await startEmulator({ port: 0, dataDir, latencyScale: 0 });
  addVms(server.emulator.state, VMS);
  const make = (url: string) =>
    new PveClient({
      hosts: [url],
      credentials: { tokenId: server.tokenId, tokenSecret: server.tokenSecret },
      tls: { fingerprint: server.fingerprint },
      concurrency: CONCURRENCY,
    });
  const emulatorClient = make(server.url);
  const answers = new Map<string, string>();
  for (const path of ['/version', '/cluster/resources'])
    answers.set(path, JSON.stringify({ data: await emulatorClient.get(path) }));
  let served = '/version';
  const bare = await bareServer(cert, () => answers.get(served)!);
  const bareClient = make(bare.url);
  const results: BenchResult[] = [];
  try {
    for (const [path, requests, name] of [
      ['/version', REQUESTS, 'GET /version throughput'],
      ['/cluster/resources', RESOURCE_REQUESTS, `GET /cluster/resources throughput (${VMS} VMs)`],
    ] as const) {
      served = path;
      await throughput(bareClient, path, requests / 10); // warm-up of both paths
      await throughput(emulatorClient, path, requests / 10);
      const baseline = await throughput(bareClient, path, requests);
      const value = await throughput(emulatorClient, path, requests);
      results.push({
        name,
        value: Math.round(value),
        unit: 'requests/s',
        baseline: Math.round(baseline),
        ratio: Number((value / baseline).toFixed(3)),
        note: `${requests} requests, ${CONCURRENCY} in flight, same client and TLS; baseline: a bare HTTPS server answering the same ${answers.get(path)!.length} bytes`,
      });
    }
  } finally {
    await bareClient.close();
    await emulatorClient.close();
    await server.close();
    bare.close();
  }
  return results;
}

/** Time to answer /cluster/resources with 1,000 VMs, in process, vs serialising the same answer alone. */
export function clusterResourcesLatency(): BenchResult {
  const state = seedState();
  addVms(state, VMS);
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
