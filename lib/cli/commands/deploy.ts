import { relative, resolve } from 'node:path';
import {
  DataLossRefused,
  type DeployReport,
  deployStacks,
  type ResourceReport,
} from '../../engine/deploy.ts';
import { loadAssembly } from '../../engine/plan-loader.ts';
import type { ProjectConfig } from '../config.ts';
import { CliError } from '../errors.ts';
import { openRemote } from '../remote-target.ts';
import { loadStackFile } from '../stack-file.ts';
import { synthStackFile } from './synth.ts';

export interface DeployCommandOptions {
  readonly file: string;
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly outdir: string;
  readonly remote: string | undefined;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly allowDestroyData: boolean;
  readonly json: boolean;
  readonly out: (line: string) => void;
}

const SYMBOL: Record<string, string> = {
  create: '+',
  update: '~',
  replace: '±',
  delete: '-',
  'no-op': '=',
  pending: '…',
};

function describe(r: ResourceReport): string {
  const changes = r.changes.map(
    (c) =>
      `      ${c.key}: ${JSON.stringify(c.from) ?? '(unset)'} → ${JSON.stringify(c.to)}${c.forcesReplacement ? '  (forces replacement)' : ''}`,
  );
  const note = r.note ? `  (${r.note})` : '';
  const loss = r.destroysData ? '  DESTROYS DATA' : '';
  return [`  ${SYMBOL[r.action] ?? '?'} ${r.path} [${r.type}] ${r.action}${loss}${note}`, ...changes].join(
    '\n',
  );
}

function summary(report: DeployReport, ms: number): string {
  const count = (pred: (r: ResourceReport) => boolean) => report.resources.filter(pred).length;
  return [
    `created ${count((r) => r.action === 'create' && r.status === 'done')}`,
    `updated ${count((r) => r.action === 'update' && r.status === 'done')}`,
    `replaced ${count((r) => r.action === 'replace' && r.status === 'done')}`,
    `unchanged ${count((r) => r.status === 'unchanged')}`,
    `pending ${count((r) => r.status === 'pending')}`,
    `failed ${count((r) => r.status === 'failed')}`,
    `skipped ${count((r) => r.status === 'skipped')}`,
    `in ${(ms / 1000).toFixed(1)} s`,
  ].join(', ');
}

/** `pvecdk deploy` and `pvecdk diff`: synth, then plan (and apply) against the remote. Returns the exit code. */
export async function deployCommand(o: DeployCommandOptions): Promise<number> {
  const started = Date.now();
  const loaded = await loadStackFile(o.file, o.cwd);
  synthStackFile(loaded, o.outdir);
  const assembly = loadAssembly(o.outdir);
  const targets = loaded.targets.map((s) => s.stackName);
  const remoteName = o.remote ?? assembly.plans.get(targets[0]!)!.remote;
  const remote = await openRemote(o.config, remoteName, o.cwd, o.concurrency);
  try {
    if (remote.emulator && !o.json) {
      o.out(
        [
          '┌ No remote is configured: using the embedded Proxmox VE emulator',
          `│ ${remote.emulator.url}, state kept in ${relative(o.cwd, remote.emulator.dataDir)}/`,
          '└ Configure a remote in cdk.json (or PVECDK_URL and a token) to deploy to a real cluster.',
        ].join('\n'),
      );
    }
    const stateDir = remote.emulator ? remote.emulator.dataDir : resolve(o.cwd, o.config.stateDir);
    let report: DeployReport;
    try {
      report = await deployStacks({
        assembly,
        targets,
        api: remote.api,
        stateDir,
        remote: remote.name,
        concurrency: o.concurrency,
        dryRun: o.dryRun,
        allowDestroyData: o.allowDestroyData,
        onEvent: (stack, event, r) => {
          if (o.json || !r || !['done', 'failed', 'skipped'].includes(event.type)) return;
          const time =
            'elapsedMs' in event && event.type !== 'skipped'
              ? ` ${(event.elapsedMs / 1000).toFixed(1)}s`
              : '';
          const why =
            event.type === 'failed'
              ? `: ${event.error instanceof Error ? event.error.message : String(event.error)}`
              : '';
          o.out(`  [${stack}] ${r.path} ${r.action} ${event.type}${time}${why}`);
        },
      });
    } catch (e) {
      if (e instanceof DataLossRefused)
        throw new CliError('CLI_USAGE', e.message, 'pass --allow-destroy-data to accept it');
      throw e;
    }
    if (o.json) {
      o.out(JSON.stringify({ ok: report.ok, stacks: report.stacks, resources: report.resources }));
    } else if (o.dryRun) {
      for (const stack of report.stacks) {
        o.out(`stack ${stack}:`);
        for (const r of report.resources.filter((x) => x.stack === stack && x.action !== 'no-op'))
          o.out(describe(r));
      }
      const changes = report.resources.filter((r) => r.action !== 'no-op' && r.action !== 'pending').length;
      o.out(changes ? `${changes} resources would change` : 'no changes');
    } else {
      o.out(
        `${report.ok ? 'Deployed' : 'Deploy FAILED'}: ${report.stacks.join(', ')} (${summary(report, Date.now() - started)})`,
      );
    }
    const changed = report.resources.some((r) => r.action !== 'no-op' && r.action !== 'pending');
    if (o.dryRun) return changed ? 3 : 0;
    return report.ok ? 0 : 1;
  } finally {
    await remote.close();
  }
}
