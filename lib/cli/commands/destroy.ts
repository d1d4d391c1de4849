import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks } from '../../engine/deploy.ts';
import { type LoadedAssembly, loadAssembly } from '../../engine/plan-loader.ts';
import { deployedUsersOf, type StackUser } from '../../engine/stack-uses.ts';
import { selectProgress } from '../output/select-progress.ts';
import type { RemoteTarget } from '../remote-target.ts';
import type { LoadedStackFile } from '../stack-file.ts';
import { confirmDestructive } from './confirm.ts';
import type { RemoteCommandOptions } from './remote-command.ts';
import { remoteCommand, runOptions, startRun } from './remote-run.ts';
import { exitCodeOfReport, type RemoteInfo } from './run-outcome.ts';
import { synthStackFile } from './synth.ts';

export type DestroyCommandOptions = RemoteCommandOptions;

/**
 * `pvecdk destroy`: deploys an empty plan for each of the file's own stacks
 * (not the stacks they depend on: the platform outlives a customer), so what
 * their state holds is deleted, dependants first, with a deploy's lock,
 * refusals, limits and retries.
 */
export async function destroyCommand(o: DestroyCommandOptions): Promise<number> {
  return remoteCommand(o, (loaded) => {
    // The plans give the stacks' remotes and dependencies; they go to a scratch folder, not cdk.out.
    const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-destroy-'));
    synthStackFile(loaded, outdir);
    const assembly = loadAssembly(outdir);
    rmSync(outdir, { recursive: true, force: true });
    return {
      remote: o.remote ?? loaded.targets[0]!.remote,
      run: (remote, info, started) => destroyOn(remote, info, assembly, loaded, started, o),
    };
  });
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
  // Before the first write: a team store this process cannot read stops here.
  const run = startRun(remote, o, (secrets) => {
    secrets.checkAccess();
    return true;
  });
  const targets = loaded.targets.map((s) => s.stackName);
  reportUsers(await deployedUsersOf(remote.backend, remote.name, targets), o);
  const report = await deployStacks({
    ...runOptions(remote, assembly, loaded, run, o),
    mode: 'destroy',
    onChanges: async (stack, resources) => {
      if (resources.length) await confirmDestructive(stack, resources, o.confirm, true, o.palette);
      progress.changes(stack, resources);
    },
    onGuestNotice: (stack, message) => progress.step(stack, 'guests', message),
    onEvent: (stack, event, r) => progress.event(stack, event, r),
  })
    .catch((e: unknown) => {
      progress.abort();
      throw e;
    })
    .finally(() => run.guests?.close());
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
