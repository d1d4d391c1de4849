import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { deploymentOrder, loadAssembly } from '../../engine/plan-loader.ts';
import {
  bootstrapGrant,
  bootstrapJson,
  renderBootstrapScript,
} from '../../engine/preflight/bootstrap-role.ts';
import { requiredPrivileges } from '../../engine/preflight/required-privileges.ts';
import { CliError } from '../errors.ts';
import { loadStackFile } from '../stack-file.ts';
import { synthStackFile } from './synth.ts';

const USAGE =
  'pvecdk bootstrap-role <stackfile> [--pve-version 8|9] [--user NAME@REALM] [--token NAME] [--role NAME] [--json]';

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        'pve-version': { type: 'string', default: '8' },
        user: { type: 'string', default: 'pvecdk@pve' },
        token: { type: 'string', default: 'deploy' },
        role: { type: 'string', default: 'PvecdkDeploy' },
        json: { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new CliError('CLI_USAGE', (e as Error).message, USAGE);
  }
}

/**
 * `pvecdk bootstrap-role <stackfile>`: the least-privilege role, user, token
 * and ACLs a deploy of the file's stacks (and the stacks they depend on)
 * needs, as `pveum` commands or JSON. Reads no remote: the privileges come
 * from the plans and the Proxmox VE version given.
 */
export async function bootstrapRoleCommand(
  args: readonly string[],
  io: { out(t: string): void; err(t: string): void; cwd: string },
): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length !== 1)
    throw new CliError('CLI_USAGE', 'bootstrap-role takes exactly one stack file', USAGE);
  const version = values['pve-version'];
  if (version !== '8' && version !== '9')
    throw new CliError('CLI_USAGE', `--pve-version must be 8 or 9, got '${version}'`, USAGE);
  if (!/^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.-]*$/.test(values.user))
    throw new CliError(
      'CLI_USAGE',
      `--user must be name@realm, e.g. pvecdk@pve, got '${values.user}'`,
      USAGE,
    );
  if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(values.token))
    throw new CliError(
      'CLI_USAGE',
      `--token must be a token name such as deploy, got '${values.token}'`,
      USAGE,
    );
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(values.role))
    throw new CliError(
      'CLI_USAGE',
      `--role must be a role name such as PvecdkDeploy, got '${values.role}'`,
      USAGE,
    );

  const loaded = await loadStackFile(positionals[0]!, io.cwd);
  // Plans go to a scratch folder: this command must not disturb the project's cdk.out.
  const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-bootstrap-'));
  try {
    synthStackFile(loaded, outdir);
    const assembly = loadAssembly(outdir);
    const stacks = deploymentOrder(
      assembly,
      loaded.targets.map((s) => s.stackName),
    );
    const required = requiredPrivileges(
      stacks.map((s) => assembly.plans.get(s)!),
      Number(version) as 8 | 9,
    );
    const grant = bootstrapGrant(required, {
      roleId: values.role,
      userId: values.user,
      tokenName: values.token,
    });
    if (required.pendingTypes.length)
      io.err(
        `note: ${required.pendingTypes.join(', ')} resources stay pending in this version (no handler applies them yet), so this role grants nothing for them; run bootstrap-role again after upgrading`,
      );
    if (values.json) {
      io.out(
        JSON.stringify({ stacks, ...bootstrapJson(grant), pendingTypes: required.pendingTypes }, null, 2),
      );
    } else {
      const file = relative(io.cwd, loaded.file) || loaded.file;
      io.out(
        renderBootstrapScript(
          grant,
          `pvecdk bootstrap-role ${file}: what deploying ${stacks.join(', ')} needs, and nothing more`,
        ),
      );
    }
    return 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
