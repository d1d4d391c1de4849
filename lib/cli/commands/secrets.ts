import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/private/atomic-file.ts';
import { newAgeIdentity } from '../../engine/secrets/age-bridge.ts';
import { identityFilePath, recipientProblems, shortRecipient } from '../../engine/secrets/age-identity.ts';
import { SecretStore } from '../../engine/secrets/secret-store.ts';
import { TeamSecretFile, teamMutexPath } from '../../engine/secrets/team-secret-store.ts';
import { loadProjectConfig, type ProjectConfig, ProjectConfigSchema } from '../config.ts';
import { CliError } from '../errors.ts';
import { TEAM_SECRETS_FILE } from '../secret-store-for.ts';

/**
 * `pvecdk secrets identity new [--out FILE] | recipients add|remove <age1…> | migrate`:
 * the team secret store. The result (a recipient) goes to stdout, what was done to stderr.
 */
export function secretsCommand(
  positionals: readonly string[],
  out: string | undefined,
  io: { out(t: string): void; err(t: string): void; readonly cwd: string },
): number {
  const [group, verb, ...more] = positionals;
  const usage = (problem: string): never => {
    throw new CliError(
      'CLI_USAGE',
      problem,
      'pvecdk secrets identity new [--out FILE] | recipients add|remove <age1…> | migrate',
    );
  };
  const isIdentityNew = group === 'identity' && verb === 'new' && more.length === 0;
  if (out !== undefined && !isIdentityNew) usage('--out is for secrets identity new');
  let outcome: SecretsOutcome;
  if (isIdentityNew) outcome = identityNew(out, io.cwd);
  else if (group === 'recipients' && (verb === 'add' || verb === 'remove') && more.length === 1) {
    const config = loadProjectConfig(io.cwd);
    outcome =
      verb === 'add' ? recipientsAdd(config, io.cwd, more[0]!) : recipientsRemove(config, io.cwd, more[0]!);
  } else if (group === 'migrate' && verb === undefined) outcome = migrate(loadProjectConfig(io.cwd), io.cwd);
  else
    return usage(
      group === undefined ? 'secrets needs a subcommand' : `unknown: secrets ${positionals.join(' ')}`,
    );
  if (outcome.stdout !== undefined) io.out(outcome.stdout);
  io.err(outcome.message);
  return 0;
}

/** What a `pvecdk secrets …` run prints: the result on stdout, what it did on stderr. */
export interface SecretsOutcome {
  readonly stdout?: string;
  readonly message: string;
}

/**
 * `pvecdk secrets identity new [--out FILE]`: a new age identity, written
 * with mode 0600 to a file that must not exist (an identity overwritten is a
 * store nobody can read); prints its recipient for cdk.json.
 */
export function identityNew(out: string | undefined, cwd: string): SecretsOutcome {
  const file = out ? resolve(cwd, out) : identityFilePath();
  const { identity, recipient } = newAgeIdentity();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = `# created: ${new Date().toISOString()} by pvecdk\n# public key: ${recipient}\n${identity}\n`;
  try {
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new CliError(
      'CLI_IDENTITY_EXISTS',
      `${file} exists: refusing to overwrite an age identity`,
      'give another --out FILE, or use the identity the file holds',
    );
  }
  return {
    stdout: recipient,
    message: `wrote an age identity to ${file} (mode 0600; keep it, a copy in a password manager, never commit it); add it with: pvecdk secrets recipients add ${recipient}`,
  };
}

/** The local (plain) secret stores of the project: each remote's, the embedded emulator's included. */
function localStores(
  config: ProjectConfig,
  cwd: string,
): Array<{ file: string; remote: string; stateDir: string }> {
  const base = join(cwd, config.stateDir);
  const found: Array<{ file: string; remote: string; stateDir: string }> = [];
  for (const stateDir of [base, join(base, 'sim')]) {
    const dir = join(stateDir, 'secrets');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.json')) continue;
      found.push({ file: join(dir, name), remote: name.slice(0, -'.json'.length), stateDir });
    }
  }
  return found;
}

/** Every local store's values by remote (two stores of one remote: their names are merged). */
function localValues(config: ProjectConfig, cwd: string) {
  const stores = localStores(config, cwd);
  const values: Record<string, Record<string, string>> = {};
  for (const s of stores) {
    const kept = new SecretStore(s.stateDir, s.remote, cwd).loadLocal();
    values[s.remote] = { ...(values[s.remote] ?? {}), ...kept };
  }
  return { stores, values };
}

function teamFile(config: ProjectConfig, cwd: string, recipients: readonly string[]): TeamSecretFile {
  return new TeamSecretFile({
    file: join(cwd, TEAM_SECRETS_FILE),
    recipients,
    mutex: teamMutexPath(join(cwd, config.stateDir)),
  });
}

/** cdk.json with `secrets.recipients` set, every other key as it was. */
function writeRecipients(cwd: string, recipients: readonly string[]): void {
  const file = join(cwd, 'cdk.json');
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const secrets = (raw.secrets ?? {}) as Record<string, unknown>;
  const next = { ...raw, secrets: { ...secrets, recipients: [...recipients] } };
  // Checked as a load would check it, so the edit never leaves a cdk.json the next run refuses.
  ProjectConfigSchema.parse(next);
  writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
}

function checkRecipient(recipient: string): void {
  const [problem] = recipientProblems([recipient]);
  if (problem)
    throw new CliError(
      'CLI_USAGE',
      `'${recipient}' is not an age recipient (age1…): ${problem}`,
      'give the line `pvecdk secrets identity new` printed',
    );
}

/**
 * Moves the local stores' values into the team store encrypted to
 * `recipients`, then removes the local files: only after the team store
 * was written (and read back) holding every one of them.
 */
function moveIn(config: ProjectConfig, cwd: string, recipients: readonly string[]): number {
  const { stores, values } = localValues(config, cwd);
  const team = teamFile(config, cwd, recipients);
  team.reencrypt(recipients, values);
  let moved = 0;
  for (const [remote, kept] of Object.entries(values)) {
    const now = team.values(remote);
    for (const [name, value] of Object.entries(kept)) {
      if (now[name] !== value)
        throw new CliError(
          'CLI_CONFIG',
          `${TEAM_SECRETS_FILE} does not read back ${remote} / ${name} as the local store holds it; the local stores are kept`,
          'run pvecdk secrets migrate again',
        );
      moved++;
    }
  }
  for (const s of stores) rmSync(s.file, { force: true });
  return moved;
}

/** `pvecdk secrets recipients add <age1…>`: lists it in cdk.json and re-encrypts (moving plain secrets in). */
export function recipientsAdd(config: ProjectConfig, cwd: string, recipient: string): SecretsOutcome {
  checkRecipient(recipient);
  const before = config.secrets.recipients;
  const team = teamFile(config, cwd, before);
  if (before.includes(recipient)) {
    if (team.read()?.recipients.includes(recipient) ?? true)
      throw new CliError('CLI_RECIPIENT_LISTED', `cdk.json already lists ${shortRecipient(recipient)}`);
    // Listed by hand, not encrypted to yet: what this command is for, so it re-encrypts.
    const moved = moveIn(config, cwd, before);
    return {
      message: `${TEAM_SECRETS_FILE} re-encrypted to the ${before.length} recipient(s) cdk.json lists, ${shortRecipient(recipient)} included${moved ? `; ${moved} local secret(s) moved in` : ''}; commit it`,
    };
  }
  const after = [...before, recipient];
  const moved = moveIn(config, cwd, after);
  writeRecipients(cwd, after);
  return {
    message:
      `added ${shortRecipient(recipient)}: ${TEAM_SECRETS_FILE} is encrypted to ${after.length} recipient(s)` +
      `${moved ? `, ${moved} local secret(s) moved in` : ''}; commit cdk.json and ${TEAM_SECRETS_FILE}`,
  };
}

/**
 * `pvecdk secrets recipients remove <age1…>`: drops it from cdk.json and
 * re-encrypts, so new versions of the file are unreadable to it. Refused
 * when no identity of this process would remain a recipient.
 */
export function recipientsRemove(config: ProjectConfig, cwd: string, recipient: string): SecretsOutcome {
  const before = config.secrets.recipients;
  if (!before.includes(recipient))
    throw new CliError(
      'CLI_RECIPIENT_LISTED',
      `cdk.json does not list ${shortRecipient(recipient)}`,
      `its recipients: ${before.map(shortRecipient).join(', ') || 'none'}`,
    );
  const after = before.filter((r) => r !== recipient);
  teamFile(config, cwd, before).reencrypt(after);
  writeRecipients(cwd, after);
  return {
    message:
      `removed ${shortRecipient(recipient)}: ${TEAM_SECRETS_FILE} is re-encrypted to ${after.length} recipient(s); ` +
      'commit both files. Copies made before (git history, clones) still open with the removed identity: ' +
      'rotate what it could read if that matters (see "Secrets for a team" in the README)',
  };
}

/** `pvecdk secrets migrate`: moves the local stores into the team store cdk.json's recipients read. */
export function migrate(config: ProjectConfig, cwd: string): SecretsOutcome {
  const recipients = config.secrets.recipients;
  if (recipients.length === 0)
    throw new CliError(
      'CLI_CONFIG',
      'cdk.json lists no age recipient, so there is no team store to migrate into',
      'run `pvecdk secrets identity new`, then `pvecdk secrets recipients add <the age1… it printed>` (it migrates too)',
    );
  const moved = moveIn(config, cwd, recipients);
  return {
    message: `moved ${moved} local secret(s) into ${TEAM_SECRETS_FILE}; commit it`,
  };
}
