import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks } from '../../engine/deploy.ts';
import { type LoadedAssembly, loadAssembly } from '../../engine/plan-loader.ts';
import { deployedUsersOf, type StackUser } from '../../engine/stack-uses.ts';
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
    palette: o.palette,
  });
  const banner = emulatorBanner(remote, o.cwd);
  if (banner && !o.json) o.out(banner);
  const targets = loaded.targets.map((s) => s.stackName);
  reportUsers(deployedUsersOf(remote.stateDir, remote.name, targets), o);
  const secrets = secretStoreFor(o.config, remote.stateDir, remote.name, o.cwd);
  // Before the first write: a team store this process cannot read stops here.
  secrets.checkAccess();
  const guests = guestTransportFor(remote, secrets);
  const report = await deployStacks({
    ...(o.signal ? { signal: o.signal } : {}),
    assembly,
    targets,
    mode: 'destroy',
    api: remote.api,
    stateDir: remote.stateDir,
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
      if (resources.length) await confirmDestructive(stack, resources, o.confirm, true, o.palette);
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

/**
 * Deployed stacks that still use what this destroy deletes (globex's carol has a shortcut to
 * acme-main): each named with its file, the resource and the property that holds the use, as a
 * warning (stderr) or, with --json, one `referenced` line per using stack on stdout. The destroy
 * goes on: the operator may mean it, and deploying the other stack without the use repairs it.
 */
function reportUsers(users: readonly StackUser[], o: DestroyCommandOptions): void {
  for (const user of users) {
    const used = [...new Set(user.uses.map((u) => u.stack))].sort();
    if (o.json) {
      for (const stack of used)
        o.out(
          JSON.stringify({
            type: 'referenced',
            stack,
            by: user.stack,
            ...(user.file ? { file: user.file } : {}),
            uses: user.uses.filter((u) => u.stack === stack),
          }),
        );
      continue;
    }
    const file = user.file ? ` (${user.file})` : '';
    o.warn(
      [
        `stack ${user.stack}${file} still uses what destroying ${used.join(', ')} deletes:`,
        ...user.uses.map(
          (u) =>
            `  ${u.by} [${u.type}] ${u.property} → ${u.path}${u.attr ? `.${u.attr}` : ''} (stack ${u.stack})`,
        ),
        `  hint: remove these from ${user.file ?? `stack ${user.stack}`} and deploy it, or they will point at nothing`,
      ].join('\n'),
    );
  }
}
