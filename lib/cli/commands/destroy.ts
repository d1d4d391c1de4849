import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks } from '../../engine/deploy.ts';
import { type LoadedAssembly, loadAssembly } from '../../engine/plan-loader.ts';
import { guestTransportFor } from '../guest-transport-for.ts';
import { lockWaitFor } from '../lock-wait.ts';
import { selectProgress } from '../output/select-progress.ts';
import { openRemote, type RemoteTarget } from '../remote-target.ts';
import { secretStoreFor } from '../secret-store-for.ts';
import { type LoadedStackFile, loadStackFile } from '../stack-file.ts';
import { confirmDestructive, Declined } from './confirm.ts';
import { emulatorBanner } from './deploy.ts';
import type { RemoteCommandOptions } from './remote-command.ts';
import {
  configuredRemote,
  exitCodeOfReport,
  openedRemote,
  type RemoteInfo,
  withJsonResult,
} from './run-outcome.ts';
import { synthStackFile } from './synth.ts';

export type DestroyCommandOptions = RemoteCommandOptions;

/**
 * `pvecdk destroy`: deploys an empty plan for each of the file's own stacks
 * (not the stacks they depend on: the platform outlives a customer), so what
 * their state holds is deleted, dependants first, with a deploy's lock,
 * refusals, limits and retries.
 */
export async function destroyCommand(o: DestroyCommandOptions): Promise<number> {
  let remoteInfo = configuredRemote(o.config, o.remote);
  return withJsonResult(
    o.json,
    o.out,
    () => remoteInfo,
    async () => {
      const started = Date.now();
      const loaded = await loadStackFile(o.file, o.cwd);
      // The plans give the stacks' remotes and dependencies; they go to a scratch folder, not cdk.out.
      const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-destroy-'));
      synthStackFile(loaded, outdir);
      const assembly = loadAssembly(outdir);
      rmSync(outdir, { recursive: true, force: true });
      const name = o.remote ?? loaded.targets[0]!.remote;
      remoteInfo = configuredRemote(o.config, name);
      const remote = await openRemote(o.config, name, o.cwd, o.concurrency);
      remoteInfo = openedRemote(o.config, remote);
      try {
        return await destroyOn(remote, remoteInfo, assembly, loaded, started, o);
      } catch (e) {
        if (e instanceof Declined) {
          o.out(e.message);
          return 1;
        }
        throw e;
      } finally {
        await remote.close();
      }
    },
  );
}

async function destroyOn(
  remote: RemoteTarget,
  remoteInfo: RemoteInfo,
  assembly: LoadedAssembly,
  loaded: LoadedStackFile,
  started: number,
  o: DestroyCommandOptions,
): Promise<number> {
  const progress = selectProgress({
    json: o.json,
    terminal: o.terminal,
    out: o.out,
    verb: 'Destroyed',
    remote: remoteInfo,
  });
  const banner = emulatorBanner(remote, o.cwd);
  if (banner && !o.json) o.out(banner);
  const secrets = secretStoreFor(o.config, remote.stateDir, remote.name, o.cwd);
  // Before the first write: a team store this process cannot read stops here.
  secrets.checkAccess();
  const guests = guestTransportFor(remote, secrets);
  const report = await deployStacks({
    ...(o.signal ? { signal: o.signal } : {}),
    assembly,
    targets: loaded.targets.map((s) => s.stackName),
    mode: 'destroy',
    api: remote.api,
    stateDir: remote.stateDir,
    backend: remote.backend,
    remote: remote.name,
    secrets,
    ...(guests ? { guests } : {}),
    tokenId: remote.tokenId,
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
    onGuestNotice: (stack, message) => progress.step(stack, 'guests', message),
    onEvent: (stack, event, r) => progress.event(stack, event, r),
  })
    .catch((e: unknown) => {
      progress.abort();
      throw e;
    })
    .finally(() => guests?.close());
  const exitCode = exitCodeOfReport(report);
  progress.finish(report, Date.now() - started, exitCode);
  return exitCode;
}
