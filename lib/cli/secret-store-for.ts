import { join } from 'node:path';
import { SecretError } from '../engine/secrets/secret-errors.ts';
import { SecretStore } from '../engine/secrets/secret-store.ts';
import { TeamSecretFile, teamMutexPath } from '../engine/secrets/team-secret-store.ts';
import type { ProjectConfig } from './config.ts';

/** The team secret store's file, beside cdk.json: committed with the project. */
export const TEAM_SECRETS_FILE = 'pvecdk.secrets.json';

/** The project's team store when cdk.json lists age recipients; undefined: the plain local store. */
export function teamSecretsOf(config: ProjectConfig, cwd: string): TeamSecretFile | undefined {
  const recipients = config.secrets.recipients;
  if (recipients.length === 0) return undefined;
  return new TeamSecretFile({
    file: join(cwd, TEAM_SECRETS_FILE),
    recipients,
    mutex: teamMutexPath(join(cwd, config.stateDir)),
  });
}

/** The secret store of `remote` whose local files live in `stateDir`: team-encrypted or plain, as cdk.json says. */
export function secretStoreFor(
  config: ProjectConfig,
  stateDir: string,
  remote: string,
  cwd: string,
): SecretStore {
  return new SecretStore(stateDir, remote, cwd, teamSecretsOf(config, cwd));
}

/** The codes of a process that cannot read the team store: a diff goes on without it. */
const NO_ACCESS = new Set(['SECRET_NO_IDENTITY', 'SECRET_IDENTITY_MISMATCH', 'SECRET_IDENTITY_INVALID']);

/**
 * Whether `secrets` can be read here. A deploy that cannot read them fails
 * now, with the coded error, before it changes anything; a diff (`dryRun`)
 * says so through `warn` and runs without secrets and guests.
 */
export function secretsReadable(
  secrets: SecretStore,
  dryRun: boolean,
  warn: (message: string) => void,
): boolean {
  try {
    secrets.checkAccess();
    return true;
  } catch (e) {
    if (!dryRun || !(e instanceof SecretError) || !NO_ACCESS.has(e.code)) throw e;
    warn(`${e.message}: diff without secret values and without reading guests`);
    return false;
  }
}
