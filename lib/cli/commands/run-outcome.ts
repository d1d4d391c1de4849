import { exitCodeOfCode } from '../../core/error-family.ts';
import type { DeployReport } from '../../engine/deploy-report.ts';
import type { ProjectConfig } from '../config.ts';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.ts';
import { errorAsJson, exitCodeOf } from '../output/error-output.ts';
import { isRemoteConfigured } from '../remote-state.ts';
import type { RemoteTarget } from '../remote-target.ts';

/** The remote a run talks to, as `--json` results name it: known before it is opened, if not reached. */
export interface RemoteInfo {
  /** Undefined only when the run stopped before the stack file said which remote. */
  readonly name: string | undefined;
  /** The embedded emulator (nothing configured) rather than a real cluster. */
  readonly emulator: boolean;
  /** The first host (a real cluster) or the emulator's address, once known. */
  readonly url: string | undefined;
}

/** What the configuration says of a remote before it is opened (or when opening it failed). */
export function configuredRemote(config: ProjectConfig, name: string | undefined): RemoteInfo {
  if (name === undefined) return { name, emulator: false, url: undefined };
  const configured = isRemoteConfigured(config, name);
  return {
    name,
    emulator: !configured,
    url: configured ? (config.remotes[name]?.hosts[0] ?? process.env.PVECDK_URL) : undefined,
  };
}

/** An opened remote, with the emulator's address when the emulator serves it. */
export function openedRemote(config: ProjectConfig, remote: RemoteTarget): RemoteInfo {
  if (remote.emulator) return { name: remote.name, emulator: true, url: remote.emulator.url };
  return configuredRemote(config, remote.name);
}

/**
 * The exit code of a finished run: 130 when stopped, 0 when it succeeded;
 * when resources failed, 2 if one of the failures is the user's to change
 * (a `2` code of docs/errors.md: not owned, refused parameters), else 1.
 */
export function exitCodeOfReport(report: DeployReport): number {
  if (report.interrupted) return INTERRUPTED_EXIT_CODE;
  if (report.ok) return 0;
  const codes = report.resources.filter((r) => r.status === 'failed').map((r) => r.errorCode);
  return codes.some((code) => code !== undefined && exitCodeOfCode(code) === 2) ? 2 : 1;
}

/**
 * Runs a command so that with `--json` its output always ends with a
 * `result` line: on an error too (ok false, its exit code and the error as
 * an object), naming the remote as far as it was known.
 */
export async function withJsonResult(
  json: boolean,
  out: (line: string) => void,
  remote: () => RemoteInfo,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (json)
      out(
        JSON.stringify({
          type: 'result',
          ok: false,
          exitCode: exitCodeOf(e),
          // null when the run stopped before the stack file named its remote.
          remote: remote().name === undefined ? null : remote(),
          error: errorAsJson(e),
        }),
      );
    throw e;
  }
}
