import type { Stack } from '../../core/stack.ts';
import { destroyStacks } from '../../engine/destroy.ts';
import { SecretStore } from '../../engine/secrets/secret-store.ts';
import { selectProgress } from '../output/select-progress.ts';
import { openRemote } from '../remote-target.ts';
import { loadStackFile } from '../stack-file.ts';
import { confirmDestructive, Declined } from './confirm.ts';
import { emulatorBanner } from './deploy.ts';
import type { RemoteCommandOptions } from './remote-command.ts';

export type DestroyCommandOptions = RemoteCommandOptions;

/**
 * `pvecdk destroy`: deletes what the file's own stacks own (not the stacks
 * they depend on: the platform outlives a customer), dependants first.
 */
export async function destroyCommand(o: DestroyCommandOptions): Promise<number> {
  const started = Date.now();
  const loaded = await loadStackFile(o.file, o.cwd);
  const stacks = dependantsFirst(loaded.targets);
  const remote = await openRemote(o.config, o.remote ?? loaded.targets[0]!.remote, o.cwd, o.concurrency);
  const progress = selectProgress({ json: o.json, terminal: o.terminal, out: o.out, verb: 'Destroyed' });
  try {
    const banner = emulatorBanner(remote, o.cwd);
    if (banner && !o.json) o.out(banner);
    const report = await destroyStacks({
      stacks,
      api: remote.api,
      stateDir: remote.stateDir,
      remote: remote.name,
      secrets: new SecretStore(remote.stateDir, remote.name, o.cwd),
      concurrency: o.concurrency,
      allowDestroyData: o.allowDestroyData,
      forceUnlock: o.forceUnlock,
      onPlan: async (stack, resources) => {
        if (resources.length) await confirmDestructive(stack, resources, o.confirm, true);
        progress.plan(stack, resources);
      },
      onWarning: (message) => o.warn(message),
      onEvent: (stack, event, r) => progress.event(stack, event, r),
    }).catch((e: unknown) => {
      progress.abort();
      throw e;
    });
    progress.finish(report, Date.now() - started);
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

/** The file's stacks, each before the stacks it depends on. */
function dependantsFirst(targets: readonly Stack[]): string[] {
  const names = new Set(targets.map((s) => s.stackName));
  const order: string[] = [];
  const visit = (s: Stack): void => {
    if (order.includes(s.stackName)) return;
    for (const d of s.dependencies) if (names.has(d.stackName)) visit(d);
    order.push(s.stackName);
  };
  for (const s of targets) visit(s);
  return order.reverse();
}
