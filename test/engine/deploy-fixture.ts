import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAssembly } from '../../lib/core/synthesizer.ts';
import { type DeployOptions, deployStacks } from '../../lib/engine/deploy.ts';
import { type LoadedAssembly, loadAssembly } from '../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../lib/engine/secrets/secret-store.ts';
import { type StartEmulatorOptions, startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';
import '../../stacks/globex.ts';
import { app } from '../../stacks/platform.ts';

let outdir: string | undefined;

/** The example stacks (platform, acme, globex), synthesized once per test file; each call loads a fresh copy to edit. */
export function exampleAssembly(): LoadedAssembly {
  if (!outdir) {
    outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
    writeAssembly(app.synth({ write: false }), outdir);
  }
  return loadAssembly(outdir);
}

export interface DeployFixture {
  readonly emulator: TestEmulator;
  readonly stateDir: string;
  readonly assembly: LoadedAssembly;
  deploy(overrides?: Partial<DeployOptions>): ReturnType<typeof deployStacks>;
  /** Write requests the emulator has served so far. */
  writes(): number;
  /** VMs that are not templates, by id. */
  vms(): Array<{ vmid: number; name: string; tags: string }>;
}

/** An emulator, a state folder and the example plans, ready to deploy acme and globex. */
export async function deployFixture(emulatorOptions: StartEmulatorOptions = {}): Promise<DeployFixture> {
  const emulator = await startTestEmulator(emulatorOptions, { concurrency: 8 });
  const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
  const assembly = exampleAssembly();
  // The example stacks reference generated secrets (the guest key, VPN user keys): a store per test, as the CLI opens one.
  const secrets = new SecretStore(stateDir, 'default', stateDir);
  return {
    emulator,
    stateDir,
    assembly,
    deploy: (overrides = {}) =>
      deployStacks({
        assembly,
        targets: ['acme', 'globex'],
        api: emulator.api,
        stateDir,
        remote: 'default',
        concurrency: 4,
        retry: { attempts: 3, baseMs: 5, maxMs: 20 },
        secrets,
        ...overrides,
      }),
    writes: () => emulator.server.emulator.stats.writes,
    vms: () =>
      Object.entries(emulator.server.emulator.state.vms)
        .filter(([, v]) => !v.config.template)
        .map(([id, v]) => ({
          vmid: Number(id),
          name: String(v.config.name),
          tags: String(v.config.tags ?? ''),
        }))
        .sort((a, b) => a.vmid - b.vmid),
  };
}
