import { join, relative } from 'node:path';
import type { DeployOptions } from '../../engine/deploy.ts';
import type { GuestTransport } from '../../engine/guest/guest-transport.ts';
import type { LoadedAssembly } from '../../engine/plan-loader.ts';
import type { SecretStore } from '../../engine/secrets/secret-store.ts';
import { guestTransportFor } from '../guest-transport-for.ts';
import { lockWaitFor } from '../lock-wait.ts';
import { openRemote, type RemoteTarget } from '../remote-target.ts';
import { secretStoreFor } from '../secret-store-for.ts';
import { type LoadedStackFile, loadStackFile } from '../stack-file.ts';
import { Declined } from './confirm.ts';
import type { RemoteCommandOptions } from './remote-command.ts';
import { configuredRemote, openedRemote, type RemoteInfo, withJsonResult } from './run-outcome.ts';

/** What `deploy`, `diff` and `destroy` share once they know their stacks: the remote opened, the run's setup. */

/**
 * A command against one remote, as `deploy`, `diff` and `destroy` run it:
 * loads the stack file, lets `prepare` synthesize and name the remote, opens
 * that remote for `run`; with --json, the result line says what was known of
 * the remote even when the run fails on the way.
 */
export async function remoteCommand(
  o: RemoteCommandOptions,
  prepare: (loaded: LoadedStackFile) => {
    readonly remote: string;
    readonly run: (remote: RemoteTarget, info: RemoteInfo, started: number) => Promise<number>;
  },
): Promise<number> {
  let remoteInfo = configuredRemote(o.config, o.remote);
  return withJsonResult(
    o.json,
    o.out,
    () => remoteInfo,
    async () => {
      const started = Date.now();
      const prepared = prepare(await loadStackFile(o.file, o.cwd));
      return onRemote(
        o,
        prepared.remote,
        (info) => {
          remoteInfo = info;
        },
        (remote, info) => prepared.run(remote, info, started),
      );
    },
  );
}

/**
 * Opens the remote `name` for `run` and closes it after; `setInfo` learns
 * what is known of the remote at each step (for the --json result of a run
 * that fails on the way). An operator's "no" ends the run with status 1.
 */
async function onRemote(
  o: RemoteCommandOptions,
  name: string,
  setInfo: (info: RemoteInfo) => void,
  run: (remote: RemoteTarget, info: RemoteInfo) => Promise<number>,
): Promise<number> {
  setInfo(configuredRemote(o.config, name));
  const remote = await openRemote(o.config, name, o.cwd, o.concurrency);
  const info = openedRemote(o.config, remote);
  setInfo(info);
  try {
    return await run(remote, info);
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

/**
 * The emulator banner (not with --json), and the run's secret store and
 * guest transport, as cdk.json configures the store. `access` checks, before
 * the first write, that this process can read the store: it throws to stop
 * the run, or returns false to go on without secrets and guests (a diff).
 */
export function startRun(
  remote: RemoteTarget,
  o: RemoteCommandOptions,
  access: (secrets: SecretStore) => boolean,
): RunSetup {
  const banner = emulatorBanner(remote, o.cwd);
  if (banner && !o.json) o.out(banner);
  const secrets = secretStoreFor(o.config, remote.stateDir, remote.name, o.cwd);
  if (!access(secrets)) return { secrets: undefined, guests: undefined };
  return { secrets, guests: guestTransportFor(remote, secrets) };
}

/** What a run reaches secrets and guests with; neither when the store cannot be read here. */
export interface RunSetup {
  readonly secrets: SecretStore | undefined;
  readonly guests: GuestTransport | undefined;
}

/** The deploy engine's options that come from the command line and the remote, alike for every mode. */
export function runOptions(
  remote: RemoteTarget,
  assembly: LoadedAssembly,
  loaded: LoadedStackFile,
  run: RunSetup,
  o: RemoteCommandOptions,
): Omit<DeployOptions, 'onChanges' | 'onGuestNotice' | 'onEvent'> {
  return {
    ...(o.signal ? { signal: o.signal } : {}),
    assembly,
    targets: loaded.targets.map((s) => s.stackName),
    api: remote.api,
    stateDir: remote.stateDir,
    backend: remote.backend,
    remote: remote.name,
    ...(run.secrets ? { secrets: run.secrets } : {}),
    ...(run.guests ? { guests: run.guests } : {}),
    tokenId: remote.tokenId,
    concurrency: o.concurrency,
    allowDestroyData: o.allowDestroyData,
    forceUnlock: o.forceUnlock,
    lockWait: lockWaitFor(o.lockTimeoutS, o.tell),
    origins: loaded.origins,
    takeover: o.takeover,
    onWarning: (message) => o.warn(message),
  };
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
