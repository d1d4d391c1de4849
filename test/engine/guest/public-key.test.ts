import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App, SecretValue, Stack } from '../../../lib/core/index.ts';
import { writeAssembly } from '../../../lib/core/synthesizer.ts';
import { deployStacks } from '../../../lib/engine/deploy.ts';
import { loadAssembly } from '../../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../../lib/engine/secrets/secret-store.ts';
import { VirtualEnvironmentVm } from '../../../lib/resources/index.ts';
import { startTestEmulator, type TestEmulator } from '../../../lib/sim/index.ts';

let emulator: TestEmulator | undefined;
afterAll(async () => {
  await emulator?.close();
});

describe("the engine's guest key in cloud-init", () => {
  it('GIVEN a VM whose cloud-init keys name a generated key by secret reference WHEN synthesized and deployed THEN the plan holds only the reference, Proxmox gets the public key line (never the private key), and a second deploy changes nothing', async () => {
    const app = new App();
    const lab = new Stack(app, 'lab');
    new VirtualEnvironmentVm(lab, 'Vm', {
      nodeName: 'pve1',
      vmId: 4500,
      clone: { vmId: 9002 },
      started: false,
      initialization: {
        userAccount: {
          username: 'pvecdk',
          keys: [
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVzZXIga2V5IGZvciB0aGUgdGVzdCBvbmx5ISE operator',
            { publicKey: SecretValue.generated('ssh/guest') },
          ],
        },
      },
    });
    const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
    writeAssembly(app.synth({ write: false }), outdir);
    const assembly = loadAssembly(outdir);
    const planned = assembly.plans.get('lab')!.resources;
    expect(JSON.stringify(planned)).toContain('{"public_key":{"secret":"generated:ssh/guest"}}');

    emulator = await startTestEmulator();
    const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
    const secrets = new SecretStore(stateDir, 'default');
    const deploy = () =>
      deployStacks({
        assembly,
        targets: ['lab'],
        api: emulator!.api,
        stateDir,
        remote: 'default',
        concurrency: 2,
        secrets,
        retry: { attempts: 1, baseMs: 1, maxMs: 1 },
      });
    const first = await deploy();
    expect(first.ok).toBe(true);
    const config = emulator.server.emulator.state.vms[4500]!.config;
    const keys = decodeURIComponent(String(config.sshkeys)).split('\n');
    const publicLine = secrets.resolve('generated:ssh/guest.pub').split(' ').slice(0, 2).join(' ');
    expect(keys).toEqual([
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVzZXIga2V5IGZvciB0aGUgdGVzdCBvbmx5ISE operator',
      publicLine,
    ]);
    expect(String(config.sshkeys)).not.toContain('PRIVATE');
    expect(config.ciuser).toBe('pvecdk');

    const writes = emulator.server.emulator.stats.writes;
    const second = await deploy();
    expect(second.resources.map((r) => r.action)).toEqual(['no-op']);
    expect(emulator.server.emulator.stats.writes).toBe(writes);
  });
});
