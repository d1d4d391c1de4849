import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks } from '../../engine/deploy.ts';
import { loadAssembly } from '../../engine/plan-loader.ts';
import { SecretStore } from '../../engine/secrets/secret-store.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { lockWaitFor } from '../lock-wait.ts';
import { selectProgress } from '../output/select-progress.ts';
import { openRemote } from '../remote-target.ts';
import { loadStackFile } from '../stack-file.ts';
import { confirmDestructive, Declined } from './confirm.ts';
import { emulatorBanner } from './deploy.ts';
import type { RemoteCommandOptions } from './remote-command.ts';
import { synthStackFile } from './synth.ts';

export type DestroyCommandOptions = RemoteCommandOptions;

/**
 * `pvecdk destroy`: deploys an empty plan for each of the file's own stacks
 * (not the stacks they depend on: the platform outlives a customer), so what
 * their state holds is deleted, dependants first, with a deploy's lock,
 * refusals, limits and retries.
 */
export async function destroyCommand(o: DestroyCommandOptions): Promise<number> {
  const started = Date.now();
  const loaded = await loadStackFile(o.file, o.cwd);
  // The plans give the stacks' remotes and dependencies; they go to a scratch folder, not cdk.out.
  const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-destroy-'));
  synthStackFile(loaded, outdir);
  const assembly = loadAssembly(outdir);
  rmSync(outdir, { recursive: true, force: true });
  const remote = await openRemote(o.config, o.remote ?? loaded.targets[0]!.remote, o.cwd, o.concurrency);
  const progress = selectProgress({ json: o.json, terminal: o.terminal, out: o.out, verb: 'Destroyed' });
  try {
    const banner = emulatorBanner(remote, o.cwd);
    if (banner && !o.json) o.out(banner);
    const report = await deployStacks({
      ...(o.signal ? { signal: o.signal } : {}),
      assembly,
      targets: loaded.targets.map((s) => s.stackName),
      mode: 'destroy',
      api: remote.api,
      stateDir: remote.stateDir,
      remote: remote.name,
      secrets: new SecretStore(remote.stateDir, remote.name, o.cwd),
      concurrency: o.concurrency,
      allowDestroyData: o.allowDestroyData,
      forceUnlock: o.forceUnlock,
      lockWait: lockWaitFor(o.lockTimeoutS, o.tell),
      origins: loaded.origins,
      takeover: o.takeover,
      onChanges: async (stack, resources) => {
        if (resources.length) await confirmDestructive(stack, resources, o.confirm, true);
        progress.changes(stack, resources);
      },
      onWarning: (message) => o.warn(message),
      onEvent: (stack, event, r) => progress.event(stack, event, r),
    }).catch((e: unknown) => {
      progress.abort();
      throw e;
    });
    progress.finish(report, Date.now() - started);
    if (report.interrupted) return INTERRUPTED_EXIT_CODE;
    return report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof Declined) {
      o.out(e.message);
      return 1;
    }
    throw e;
  } finally {
    await remote.close();
  }
}
