import { join, relative } from 'node:path';
import { deployStacks } from '../../engine/deploy.ts';
import type { DeployReport } from '../../engine/deploy-report.ts';
import { loadAssembly } from '../../engine/plan-loader.ts';
import { SecretStore } from '../../engine/secrets/secret-store.ts';
import { describeResource, isActionable } from '../output/format.ts';
import { selectProgress } from '../output/select-progress.ts';
import { openRemote, type RemoteTarget } from '../remote-target.ts';
import { loadStackFile } from '../stack-file.ts';
import { confirmDestructive, Declined } from './confirm.ts';
import type { RemoteCommandOptions } from './remote-command.ts';
import { synthStackFile } from './synth.ts';

export interface DeployCommandOptions extends RemoteCommandOptions {
  readonly outdir: string;
  readonly dryRun: boolean;
}

/** Says that the embedded emulator is in use, and how to use a real cluster instead. */
export function emulatorBanner(remote: RemoteTarget, cwd: string): string | undefined {
  const sim = remote.emulator;
  if (!sim) return undefined;
  const dir = relative(cwd, sim.dataDir) || '.';
  const stop = `pvecdk sim --stop${dir === join('.pvecdk', 'sim') ? '' : ` --data-dir ${dir}`}`;
  const lifetime =
    sim.idleSeconds === undefined
      ? `it serves until stopped (\`${stop}\`)`
      : `it stops after ${formatSeconds(sim.idleSeconds)} without requests; \`${stop}\` stops it now`;
  return [
    '┌ No remote is configured: using the embedded Proxmox VE emulator',
    sim.startedHere
      ? `│ started the embedded emulator for ${dir} (pid ${sim.pid}) at ${sim.url}`
      : `│ using the embedded emulator already running for ${dir} (pid ${sim.pid}) at ${sim.url}`,
    `│ state kept in ${dir}/; ${lifetime}`,
    '└ Configure a remote in cdk.json (or PVECDK_URL and a token) to deploy to a real cluster.',
  ].join('\n');
}

function formatSeconds(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/**
 * `pvecdk deploy` and `pvecdk diff`: synth, then plan (and apply) against the
 * remote. Returns the exit code; a diff returns 3 when something would change
 * (main maps it to 0, or 1 with --fail).
 */
export async function deployCommand(o: DeployCommandOptions): Promise<number> {
  const started = Date.now();
  const loaded = await loadStackFile(o.file, o.cwd);
  synthStackFile(loaded, o.outdir);
  const assembly = loadAssembly(o.outdir);
  const targets = loaded.targets.map((s) => s.stackName);
  const remote = await openRemote(
    o.config,
    o.remote ?? assembly.plans.get(targets[0]!)!.remote,
    o.cwd,
    o.concurrency,
  );
  const progress = o.dryRun
    ? undefined
    : selectProgress({ json: o.json, terminal: o.terminal, out: o.out, verb: 'Deployed' });
  try {
    const banner = emulatorBanner(remote, o.cwd);
    if (banner && !o.json) o.out(banner);
    let report: DeployReport;
    try {
      report = await deployStacks({
        assembly,
        targets,
        api: remote.api,
        stateDir: remote.stateDir,
        remote: remote.name,
        secrets: new SecretStore(remote.stateDir, remote.name, o.cwd),
        tokenId: remote.tokenId,
        concurrency: o.concurrency,
        dryRun: o.dryRun,
        allowDestroyData: o.allowDestroyData,
        forceUnlock: o.forceUnlock,
        onChanges: async (stack, resources) => {
          await confirmDestructive(stack, resources, o.confirm, false);
          progress?.changes(stack, resources);
        },
        onWarning: (message) => o.warn(message),
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
    }
    if (progress) progress.finish(report, Date.now() - started);
    else printDiff(report, o);
    const changed = report.resources.some(isActionable);
    if (o.dryRun) return report.ok ? (changed ? 3 : 0) : 1;
    return report.ok ? 0 : 1;
  } finally {
    await remote.close();
  }
}

function printDiff(report: DeployReport, o: DeployCommandOptions): void {
  if (o.json) {
    o.out(
      JSON.stringify({ type: 'diff', ok: report.ok, stacks: report.stacks, resources: report.resources }),
    );
    return;
  }
  for (const stack of report.stacks) {
    o.out(`stack ${stack}:`);
    const shown = report.resources.filter(
      (x) => x.stack === stack && (x.action !== 'no-op' || x.status === 'failed'),
    );
    for (const r of shown) o.out(describeResource(r));
    if (shown.length === 0) o.out('  (no changes)');
  }
  const changes = report.resources.filter(isActionable).length;
  const lossy = report.resources.filter((r) => r.destroysData).length;
  o.out(
    changes
      ? `${changes} resources would change${lossy ? `; ${lossy} would destroy data (needs --allow-destroy-data)` : ''}`
      : 'no changes',
  );
}
