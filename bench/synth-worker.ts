import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Customer, Platform } from '../lib/constructs/index.ts';
import { App, SecretValue } from '../lib/core/index.ts';
import { writeAssembly } from '../lib/core/synthesizer.ts';
import { CUSTOMERS } from './synth-scale.ts';

/**
 * One measurement of the synth bench, in a process of its own so its peak
 * memory is its own: `build` makes the construct tree of a platform and
 * CUSTOMERS customers (each like stacks/acme.ts: one 4D server, two VPN users);
 * `synth` makes the same tree, then synthesizes every stack and writes the
 * plans as `pvecdk synth` does. Prints one JSON line.
 */
const NODES = ['pve1', 'pve2', 'pve3'];

function buildTree(): App {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-bench-synth-')) });
  const platform = new Platform(app, 'platform', {
    cluster: {
      nodes: NODES,
      templates: { pfsense: 9000, windowsServer: 9001, debian: 9002 },
      customerVmIds: { start: 10_000, blockSize: 10, blocks: CUSTOMERS },
      backupStorage: 'nfs-backup',
      managementSource: '10.20.0.2',
      guestSshKey: SecretValue.generated('ssh/guest_ed25519'),
    },
    wan: { physicalPort: 'eno1', routerAddress: '203.0.113.10/24', routerGateway: '203.0.113.1' },
    lan: { cidr: '10.0.0.0/8', vlanAware: true },
    dmz: { cidr: '172.16.0.0/24' },
    vpn: { endpoint: 'vpn.example.com', tunnelNetwork: '100.64.0.0/10' },
  });
  for (let n = 1; n <= CUSTOMERS; n++) {
    const id = `c${String(n).padStart(4, '0')}`;
    const server = `${id}-main`;
    new Customer(platform, id, {
      number: n,
      servers: [{ name: server, node: NODES[n % NODES.length]!, cores: 4, memoryMiB: 8192, dataDiskGb: 100 }],
      users: ['alice', 'bob'].map((u) => ({ name: `${id}.${u}`, vpn: true, servers: [server] })),
    });
  }
  return app;
}

const mode = process.argv[2];
if (mode !== 'build' && mode !== 'synth') {
  console.error('usage: synth-worker.ts build|synth');
  process.exit(2);
}
const started = performance.now();
const app = buildTree();
const buildMs = performance.now() - started;
let synthMs = 0;
let writeMs = 0;
let stacks = 0;
let synthCpuMs = 0;
if (mode === 'synth') {
  const cpu = process.cpuUsage();
  const s = performance.now();
  const assembly = app.synth({ write: false });
  synthMs = performance.now() - s;
  const w = performance.now();
  writeAssembly(assembly, app.outdir);
  writeMs = performance.now() - w;
  const used = process.cpuUsage(cpu);
  synthCpuMs = (used.user + used.system) / 1000;
  stacks = assembly.plans.size;
}
// maxRSS is the process's peak resident set, in KiB.
console.log(
  JSON.stringify({
    mode,
    buildMs,
    synthMs,
    writeMs,
    synthCpuMs,
    stacks,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
