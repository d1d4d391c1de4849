import { loadAssembly } from '../../engine/plan-loader.ts';
import type { ProjectConfig } from '../config.ts';
import { CliError } from '../errors.ts';
import { stateDirFor } from '../remote-state.ts';
import { secretStoreFor } from '../secret-store-for.ts';
import { loadStackFile } from '../stack-file.ts';
import { withStateBackend } from '../state-backend-for.ts';
import { synthStackFile } from './synth.ts';

/** One ShowGrounds shortcut as the user finds it on the RDS host. */
export interface CredentialShortcut {
  /** The name on the user's desktop (folder `ShowGrounds`), e.g. `ShowGrounds - acme-main`. */
  readonly name: string;
  /** The 4D server it opens. */
  readonly server: string;
  /** Deployed (in state); else only planned: the next deploy makes it. */
  readonly deployed: boolean;
}

/** What `pvecdk credentials` tells about one RDS user. */
export interface RdsCredentials {
  readonly user: string;
  readonly fullName: string | undefined;
  readonly stack: string;
  readonly remote: string;
  /** The RDS host's address users connect to with Remote Desktop, through the VPN. */
  readonly rdsHost: string;
  /** The initial password; undefined when it is not to be shown. */
  readonly password: string | undefined;
  readonly shortcuts: readonly CredentialShortcut[];
}

interface Resource {
  readonly type: string;
  readonly path: string;
  readonly properties: Record<string, unknown>;
}

const shortcutName = (path: string) => (path.split('\\').pop() ?? path).replace(/\.lnk$/i, '');

/**
 * The RDS account of `user` as deployed: read from the stacks' state and the
 * secret store, without reaching the remote. The stack file is synthesized
 * only to know its stacks and what is planned. Refuses, saying what to do,
 * for a user no stack of the file has, or one not deployed yet (its password
 * is only made by the deploy that creates the account).
 */
export async function rdsCredentials(o: {
  readonly file: string;
  readonly user: string;
  readonly config: ProjectConfig;
  readonly cwd: string;
  readonly outdir: string;
  readonly remote: string | undefined;
  readonly showPassword: boolean;
}): Promise<RdsCredentials> {
  const loaded = await loadStackFile(o.file, o.cwd);
  synthStackFile(loaded, o.outdir);
  const plans = [...loadAssembly(o.outdir).plans.values()];
  const known: string[] = [];
  for (const plan of plans) {
    const resources = Object.entries(plan.resources) as Array<[string, Resource]>;
    for (const [, r] of resources)
      if (r.type === 'pvecdk_rds_user') known.push(String(r.properties.user_name));
    const planned = resources.find(
      ([, r]) => r.type === 'pvecdk_rds_user' && r.properties.user_name === o.user,
    );
    if (!planned) continue;
    const remote = o.remote ?? plan.remote;
    const stateDir = stateDirFor(o.config, remote, o.cwd);
    const state = (
      await withStateBackend(o.config, remote, o.cwd, (backend) => backend.open(remote, plan.stack))
    ).state.resources;
    const account = state[planned[0]];
    if (!account)
      throw new CliError(
        'CLI_RDS_USER_NOT_DEPLOYED',
        `RDS user ${o.user} of stack ${plan.stack} is not deployed on remote ${remote} yet: the account and its initial password are made by the deploy`,
        `deploy it first: pvecdk deploy ${o.file}${o.remote ? ` --remote ${o.remote}` : ''}`,
      );
    const deployed = Object.values(state).filter(
      (r) => r.type === 'pvecdk_rds_shortcut' && r.properties.user_name === o.user,
    );
    const plannedShortcuts = resources
      .map(([, r]) => r)
      .filter((r) => r.type === 'pvecdk_rds_shortcut' && r.properties.user_name === o.user);
    const shortcuts = [
      ...deployed.map((r) => ({ r, deployed: true })),
      ...plannedShortcuts
        .filter((p) => !deployed.some((d) => d.properties.shortcut_path === p.properties.shortcut_path))
        .map((r) => ({ r, deployed: false })),
    ]
      .map(({ r, deployed }) => ({
        name: shortcutName(String(r.properties.shortcut_path)),
        server: String(r.properties.server_name),
        deployed,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const target = account.properties.target as { host?: unknown } | undefined;
    return {
      user: o.user,
      fullName: typeof account.properties.full_name === 'string' ? account.properties.full_name : undefined,
      stack: plan.stack,
      remote,
      rdsHost: typeof target?.host === 'string' ? target.host : '(the RDS host)',
      password: o.showPassword
        ? initialPassword(stateDir, remote, o, account.properties.password)
        : undefined,
      shortcuts,
    };
  }
  throw new CliError(
    'CLI_RDS_USER_UNKNOWN',
    `no stack of ${o.file} has an RDS user ${o.user} (its users: ${known.sort().join(', ') || 'none'})`,
    "give a user's name as the stack file lists it, with the stack file that defines it",
  );
}

function initialPassword(
  stateDir: string,
  remote: string,
  o: { readonly cwd: string; readonly file: string; readonly user: string; readonly config: ProjectConfig },
  ref: unknown,
): string {
  const reference = (ref as { secret?: unknown } | undefined)?.secret;
  if (typeof reference !== 'string')
    throw new CliError(
      'CLI_RDS_USER_NOT_DEPLOYED',
      `RDS user ${o.user}: the state records no password reference`,
    );
  const store = secretStoreFor(o.config, stateDir, remote, o.cwd);
  // Resolving a generated secret that is missing would make a new one, which is not the account's.
  if (reference.startsWith('generated:') && !store.names.includes(reference.slice('generated:'.length)))
    throw new CliError(
      'CLI_RDS_USER_NOT_DEPLOYED',
      `RDS user ${o.user}: the secret store of remote ${remote} holds no ${reference}, so the account's initial password is unknown here`,
      'run this where the deploy ran (its secret store), or restore the secret store from its backup',
    );
  return store.resolve(reference);
}

/** The text form, for a person. */
export function formatCredentials(c: RdsCredentials, passwordHidden: string | undefined): string {
  const width = 20;
  const row = (label: string, value: string) => `  ${label.padEnd(width)}${value}`;
  const lines = [
    `RDS account of ${c.user}${c.fullName ? ` (${c.fullName})` : ''}, stack ${c.stack}, remote ${c.remote}`,
    row('Remote Desktop', `${c.rdsHost}:3389 (connect to the VPN first)`),
    row('account', c.user),
    row('initial password', c.password ?? passwordHidden ?? '(not shown)'),
    '',
    '  Shortcuts on the desktop (folder ShowGrounds, refreshed at each logon):',
    ...(c.shortcuts.length
      ? c.shortcuts.map(
          (s) =>
            `    ${s.name}  opens 4D server ${s.server}${s.deployed ? '' : '  (planned: deploy to make it)'}`,
        )
      : ['    none']),
  ];
  return lines.join('\n');
}
