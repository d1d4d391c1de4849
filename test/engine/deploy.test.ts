import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssembly } from '../../lib/core/synthesizer.ts';
import { deployStacks } from '../../lib/engine/deploy.ts';
import { loadAssembly } from '../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { PveApi, PveClient } from '../../lib/pve/index.ts';
import { type RunningEmulator, startEmulator } from '../../lib/sim/index.ts';
import '../../stacks/globex.ts';
import { app } from '../../stacks/platform.ts';

let server: RunningEmulator;
let client: PveClient;
beforeAll(async () => {
  server = await startEmulator({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pvecdk-deploy-')),
    latencyScale: 0.001,
    checkAnswers: true,
  });
  client = new PveClient({
    hosts: [server.url],
    credentials: { tokenId: server.tokenId, tokenSecret: server.tokenSecret },
    tls: { fingerprint: server.fingerprint },
    concurrency: 8,
  });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('deploy against the emulator', () => {
  it('GIVEN platform, acme and globex WHEN deployed twice THEN the first creates everything and the second writes nothing', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
    writeAssembly(app.synth({ write: false }), outdir);
    const assembly = loadAssembly(outdir);
    const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
    const api = new PveApi(client, { pollMs: 2, maxPollMs: 5 });
    const options = {
      assembly,
      targets: ['acme', 'globex'],
      api,
      stateDir,
      remote: 'default',
      concurrency: 4,
      // The example stacks reference generated secrets (the guest key, VPN user keys), as the CLI's store makes them.
      secrets: new SecretStore(stateDir, 'default', stateDir),
    };

    const first = await deployStacks(options);
    expect(first.stacks).toEqual(['platform', 'acme', 'globex']);
    expect(first.ok).toBe(true);
    const failed = first.resources.filter((r) => r.status === 'failed');
    expect(failed).toEqual([]);
    const vms = Object.values(server.emulator.state.vms).filter((v) => !v.config.template);
    expect(vms.map((v) => v.config.name).sort()).toEqual(['acme-main', 'fw', 'globex-main', 'rds']);
    expect(vms.every((v) => v.status === 'running')).toBe(true);
    expect(server.emulator.state.nodes.pve2!.network.vmbr2).toMatchObject({ type: 'bridge' });
    expect(Object.keys(server.emulator.state.pools).sort()).toEqual(['customer-acme', 'customer-globex']);
    expect(
      first.resources.filter((r) => r.status === 'pending').every((r) => r.type.startsWith('pvecdk_')),
    ).toBe(true);

    const writes = server.emulator.stats.writes;
    const second = await deployStacks(options);
    expect(second.ok).toBe(true);
    expect(second.resources.filter((r) => r.status !== 'unchanged' && r.status !== 'pending')).toEqual([]);
    expect(server.emulator.stats.writes).toBe(writes);
  }, 60_000);
});
