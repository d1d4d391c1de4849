import type { LocatedAcknowledgedFinding } from '../../core/synthesizer.ts';
import { deployStacks } from '../../engine/deploy.ts';
import type { DeployReport } from '../../engine/deploy-report.ts';
import { summarize } from '../../engine/deploy-report.ts';
import { type LoadedAssembly, loadAssembly } from '../../engine/plan-loader.ts';
import { CliError } from '../errors.ts';
import { acknowledgedAsJson, acknowledgedIn, acknowledgedLines } from '../output/acknowledged.ts';
import { describeResource, isActionable } from '../output/format.ts';
import { selectProgress } from '../output/select-progress.ts';
import type { RemoteTarget } from '../remote-target.ts';
import { secretsReadable } from '../secret-store-for.ts';
import type { LoadedStackFile } from '../stack-file.ts';
import { confirmDestructive, Declined } from './confirm.ts';
import type { RemoteCommandOptions } from './remote-command.ts';
import { remoteCommand, runOptions, startRun } from './remote-run.ts';
import { exitCodeOfReport, type RemoteInfo } from './run-outcome.ts';
import { synthStackFile } from './synth.ts';

export interface DeployCommandOptions extends RemoteCommandOptions {
  readonly outdir: string;
  readonly dryRun: boolean;
  /** `--replace <path>`: resources to replace (repeatable). */
  readonly replace: readonly string[];
}

/**
 * `pvecdk deploy` and `pvecdk diff`: synth, then plan (and apply) against the
 * remote. Returns the exit code; a diff returns 3 when something would change
 * (main maps it to 0, or 1 with --fail).
 */
export async function deployCommand(o: DeployCommandOptions): Promise<number> {
  return remoteCommand(o, (loaded) => {
    const synthesized = synthStackFile(loaded, o.outdir);
    if (synthesized.identities)
      o.tell(`updated ${synthesized.identities.path} with new identities (commit it)`);
    const assembly = loadAssembly(o.outdir);
    const targets = loaded.targets.map((s) => s.stackName);
    const remotes = [...new Set(targets.map((t) => assembly.plans.get(t)!.remote))].sort();
    if (!o.remote && remotes.length > 1)
      throw new CliError(
        'CLI_USAGE',
        `the stacks given deploy to ${remotes.length} remotes (${remotes.join(', ')}); one run talks to one remote`,
        `run once per remote with --remote NAME, or pass the files of one remote`,
      );
    return {
      remote: o.remote ?? remotes[0]!,
      run: (remote, info, started) =>
        deployTo(remote, info, assembly, loaded, started, o, synthesized.assembly.acknowledged),
    };
  });
}

async function deployTo(
  remote: RemoteTarget,
  remoteInfo: RemoteInfo,
  assembly: LoadedAssembly,
  loaded: LoadedStackFile,
  started: number,
  o: DeployCommandOptions,
  acknowledged: readonly LocatedAcknowledgedFinding[],
): Promise<number> {
  const progress = o.dryRun
    ? undefined
    : selectProgress({
        json: o.json,
        terminal: o.terminal,
        out: o.out,
        verb: 'Deployed',
        remote: remoteInfo,
        palette: o.palette,
      });
  // Before the first write: a team store this process cannot read stops a deploy here. A diff
  // goes on without secrets (values are masked there anyway) and names what would need them.
  const run = startRun(remote, o, (secrets) => secretsReadable(secrets, o.dryRun, o.warn));
  let report: DeployReport;
  try {
    report = await deployStacks({
      ...runOptions(remote, assembly, loaded, run, o),
      dryRun: o.dryRun,
      replace: o.replace,
      onChanges: async (stack, resources) => {
        await confirmDestructive(stack, resources, o.confirm, false, o.palette);
        progress?.changes(stack, resources);
      },
      onGuestNotice: (stack, message) =>
        progress ? progress.step(stack, 'guests', message) : o.tell(message),
      onEvent: (stack, event, r) => progress?.event(stack, event, r),
      onCriticalStep: (stack, _step, detail) => progress?.step(stack, detail.path, detail.message),
    });
  } catch (e) {
    progress?.abort();
    if (e instanceof Declined) {
      o.out(e.message);
      return 1;
    }
    throw e;
  } finally {
    await run.guests?.close();
  }
  const exitCode = exitCodeOfReport(report);
  if (progress) progress.finish(report, Date.now() - started, exitCode);
  else printDiff(report, remoteInfo, o, acknowledged);
  // diff: 3 when something would change (main makes it 0, or 1 with --fail).
  if (o.dryRun && exitCode === 0 && report.resources.some(isActionable)) return 3;
  return exitCode;
}

function printDiff(
  report: DeployReport,
  remote: RemoteInfo,
  o: DeployCommandOptions,
  all: readonly LocatedAcknowledgedFinding[],
): void {
  // The findings of the stacks this diff covers (the targets and the stacks they need).
  const acknowledged = acknowledgedIn(all, report.stacks);
  if (o.json) {
    o.out(
      JSON.stringify({
        type: 'diff',
        ok: report.ok,
        stacks: report.stacks,
        resources: report.resources,
        acknowledged: acknowledgedAsJson(acknowledged, o.cwd),
      }),
    );
    o.out(
      JSON.stringify({
        type: 'result',
        ok: report.ok,
        exitCode: exitCodeOfReport(report),
        remote,
        stacks: report.stacks,
        summary: summarize(report.resources),
      }),
    );
    return;
  }
  for (const stack of report.stacks) {
    o.out(`stack ${stack}:`);
    const shown = report.resources.filter(
      (x) => x.stack === stack && (x.action !== 'no-op' || x.status === 'failed'),
    );
    // What changes first; resources waiting for a handler (their planned content is long) after.
    const waiting = (r: (typeof shown)[number]) => (r.action === 'pending' ? 1 : 0);
    // A guest resource waiting for its handler, with nothing recorded to compare: one line, not its
    // whole content in every diff (--json lists it).
    for (const r of [...shown].sort((a, b) => waiting(a) - waiting(b)))
      o.out(
        r.action === 'pending' && r.listsProperties
          ? `${describeResource({ ...r, changes: [] }, o.palette)}\n      (${r.changes.length} planned properties; --json lists them)`
          : describeResource(r, o.palette),
      );
    if (shown.length === 0) o.out('  (no changes)');
  }
  const changes = report.resources.filter(isActionable).length;
  const lossy = report.resources.filter((r) => r.destroysData).length;
  o.out(
    changes
      ? `${changes} ${changes === 1 ? 'resource' : 'resources'} would change${lossy ? `; ${o.palette.danger(`${lossy} would destroy data`)} (needs --allow-destroy-data)` : ''}`
      : 'no changes',
  );
  for (const line of acknowledgedLines(acknowledged, o.cwd)) o.out(line);
}
