import { closeSync, openSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { vpnUserType } from '../../contract/types/guest.ts';
import { writeFileAtomic } from '../../core/private/atomic-file.ts';
import { loadAssembly } from '../../engine/plan-loader.ts';
import { fillSecrets } from '../../engine/secrets/secret-markers.ts';
import type { ProjectConfig } from '../config.ts';
import { CliError } from '../errors.ts';
import { stateDirFor } from '../remote-state.ts';
import { secretStoreFor } from '../secret-store-for.ts';
import { loadStackFile } from '../stack-file.ts';
import { withStateBackend } from '../state-backend-for.ts';
import { synthStackFile } from './synth.ts';

export interface VpnProfileOptions {
  readonly file: string;
  readonly user: string;
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly outdir: string;
  readonly remote: string | undefined;
  /** Where to write; default the profile's own file name in the current folder. */
  readonly out: string | undefined;
  /** Print the profile on stdout instead (the operator asked for key material there). */
  readonly stdout: boolean;
}

export interface VpnProfile {
  /** The filled profile: holds the user's private key. */
  readonly text: string;
  readonly fileName: string;
  readonly stack: string;
}

/**
 * A user's filled client profile (`.ovpn` or WireGuard `.conf`) from what
 * state recorded at the last deploy and the secret store's key material:
 * nothing is deployed, generated or sent anywhere.
 */
export async function readVpnProfile(o: VpnProfileOptions): Promise<VpnProfile> {
  const loaded = await loadStackFile(o.file, o.cwd);
  synthStackFile(loaded, o.outdir);
  const assembly = loadAssembly(o.outdir);
  const planned: string[] = [];
  for (const plan of [...assembly.plans.values()].sort((a, b) => (a.stack < b.stack ? -1 : 1))) {
    const inPlan = Object.values(plan.resources).some(
      (r) => r.type === vpnUserType.type && r.properties.user_name === o.user,
    );
    for (const r of Object.values(plan.resources))
      if (r.type === vpnUserType.type) planned.push(String(r.properties.user_name));
    const remote = o.remote ?? plan.remote;
    const stateDir = stateDirFor(o.config, remote, o.cwd);
    const state = await withStateBackend(o.config, remote, o.cwd, (backend) =>
      backend.open(remote, plan.stack),
    );
    const entry = Object.values(state.state.resources).find(
      (r) => r.type === vpnUserType.type && r.properties.user_name === o.user,
    );
    if (!entry) {
      if (inPlan)
        throw new CliError(
          'CLI_VPN_USER_NOT_DEPLOYED',
          `VPN user '${o.user}' of stack ${plan.stack} is not deployed yet on remote ${remote}`,
          `deploy first: pvecdk deploy ${o.file}${o.remote ? ` --remote ${o.remote}` : ''}`,
        );
      continue;
    }
    const store = secretStoreFor(o.config, stateDir, remote, o.cwd);
    const text = fillSecrets(String(entry.properties.profile), (reference) => {
      // Only what the deploy kept: a missing key is never made up here (it would not match the router).
      const value = reference.startsWith('generated:')
        ? store.stored(reference.slice('generated:'.length))
        : store.resolve(reference);
      if (value === undefined)
        throw new CliError(
          'CLI_VPN_USER_NOT_DEPLOYED',
          `VPN user '${o.user}' of stack ${plan.stack}: the secret store of remote ${remote} holds no ${reference.slice('generated:'.length)} (the router or the user is not deployed yet, the user was revoked, or this is not the store the deploy used)`,
          `deploy again (pvecdk deploy ${o.file}) to issue the user's certificate, or restore the secret store`,
        );
      return value;
    });
    return { text, fileName: String(entry.properties.profile_file_name), stack: plan.stack };
  }
  const known = [...new Set(planned)].sort();
  throw new CliError(
    'CLI_VPN_USER_UNKNOWN',
    `no VPN user '${o.user}' in the stacks of ${o.file}`,
    known.length
      ? `the file's VPN users: ${known.join(', ')}`
      : 'the file declares no VPN user (VpnAccess.addUser)',
  );
}

/** Whether a path is a terminal (`--out /dev/tty`): key material goes there only with --stdout. */
function isTerminal(path: string): boolean {
  try {
    if (!statSync(path).isCharacterDevice()) return false;
    const fd = openSync(path, 'r');
    try {
      return isatty(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * `pvecdk vpn profile`: writes the profile with mode 0600 (replacing a file
 * there whatever its mode), or prints it with --stdout. Returns the message
 * for stderr, or the profile for stdout.
 */
export async function vpnProfileCommand(
  o: VpnProfileOptions,
): Promise<{ readonly stdout?: string; readonly message?: string }> {
  if (o.stdout && o.out !== undefined)
    throw new CliError('CLI_USAGE', '--stdout and --out exclude each other', 'give one of them');
  const out = o.stdout ? undefined : resolve(o.cwd, o.out ?? '.');
  if (out !== undefined && isTerminal(out))
    throw new CliError(
      'CLI_KEY_MATERIAL_TO_TERMINAL',
      `refusing to write VPN user '${o.user}'s private key to the terminal ${out}`,
      'give --stdout to print it on purpose, or --out FILE',
    );
  const profile = await readVpnProfile(o);
  if (o.stdout) return { stdout: profile.text };
  const isDir = (() => {
    try {
      return statSync(out!).isDirectory();
    } catch {
      return false;
    }
  })();
  const path = o.out === undefined || isDir ? resolve(out!, profile.fileName) : out!;
  // Replaced atomically by a new file created 0600: an existing file's looser mode does not carry over.
  writeFileAtomic(path, profile.text, 0o600);
  return {
    message: `wrote ${relative(o.cwd, path) || path} (mode 0600, VPN user ${o.user} of stack ${profile.stack}): it holds the user's private key; hand it over privately`,
  };
}
