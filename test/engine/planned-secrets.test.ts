import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App, SecretValue, Stack } from '../../lib/core/index.ts';
import { writeAssembly } from '../../lib/core/synthesizer.ts';
import { deployStacks } from '../../lib/engine/deploy.ts';
import { loadAssembly } from '../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { VirtualEnvironmentUser, VirtualEnvironmentVm } from '../../lib/resources/index.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

/** A stack with a cloud-init password and a user password, both read from the environment. */
function assembly() {
  const app = new App();
  const lab = new Stack(app, 'lab');
  new VirtualEnvironmentVm(lab, 'Vm', {
    nodeName: 'pve1',
    vmId: 4200,
    clone: { vmId: 9002 },
    started: false,
    initialization: {
      userAccount: { username: 'ops', password: SecretValue.env('PVECDK_TEST_CI_PASSWORD') },
    },
  });
  new VirtualEnvironmentUser(lab, 'Ops', {
    userId: 'ops@pve',
    password: SecretValue.env('PVECDK_TEST_USER_PASSWORD'),
  });
  const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
  writeAssembly(app.synth({ write: false }), outdir);
  return loadAssembly(outdir);
}

async function deploy() {
  const emulator = await startTestEmulator();
  running.push(emulator);
  const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
  const run = () =>
    deployStacks({
      assembly: assembly(),
      targets: ['lab'],
      api: emulator.api,
      stateDir,
      remote: 'default',
      concurrency: 4,
      secrets: new SecretStore(stateDir, 'default'),
      retry: { attempts: 1, baseMs: 1, maxMs: 1 },
    });
  return { emulator, run };
}

describe('secrets a plan references', () => {
  it('GIVEN a password in an environment variable that is not set WHEN deployed THEN the run is refused before any write, naming the resource, key and variable', async () => {
    delete process.env.PVECDK_TEST_CI_PASSWORD;
    process.env.PVECDK_TEST_USER_PASSWORD = 'user password 1!';
    const { emulator, run } = await deploy();
    const writes = emulator.server.emulator.stats.writes;
    await expect(run()).rejects.toMatchObject({
      code: 'SECRET_ENV_MISSING',
      message: expect.stringContaining(
        'lab/Vm: initialization.user_account.password (env:PVECDK_TEST_CI_PASSWORD)',
      ),
    });
    expect(emulator.server.emulator.stats.writes).toBe(writes);
  });

  it('GIVEN the variables set WHEN deployed THEN the cloud-init password reaches Proxmox, and no secret reaches the state', async () => {
    process.env.PVECDK_TEST_CI_PASSWORD = 'cloud init secret 7$';
    process.env.PVECDK_TEST_USER_PASSWORD = 'user password 1!';
    const { emulator, run } = await deploy();
    const report = await run();
    expect(report.ok).toBe(true);
    const vm = emulator.server.emulator.state.vms[4200]!;
    expect(vm.config.cipassword).toBeDefined();
    expect(vm.config.ciuser).toBe('ops');
    expect(JSON.stringify(report)).not.toContain('cloud init secret');
    // A second deploy finds the password set: nothing to do.
    expect((await run()).resources.filter((r) => r.status === 'done')).toEqual([]);
  });
});
