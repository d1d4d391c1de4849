import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkAgeStrings } from './age-bridge.ts';
import { SecretError } from './secret-errors.ts';

/** The environment variable naming the file of a process's age identity. */
export const IDENTITY_FILE_VARIABLE = 'PVECDK_AGE_IDENTITY_FILE';

/**
 * Where this process's age identity is: `PVECDK_AGE_IDENTITY_FILE`, else
 * `$XDG_CONFIG_HOME/pvecdk/age-identity.txt`, else
 * `~/.config/pvecdk/age-identity.txt` (per user, outside every project, so
 * no clone can commit it).
 */
export function identityFilePath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const named = env[IDENTITY_FILE_VARIABLE];
  if (named) return named;
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(config, 'pvecdk', 'age-identity.txt');
}

/** A recipient as errors show it: enough to tell operators apart, short enough to read. */
export function shortRecipient(recipient: string): string {
  return recipient.length > 20 ? `${recipient.slice(0, 10)}…${recipient.slice(-6)}` : recipient;
}

/** Why each string is not an age recipient, or null where it is one. */
export function recipientProblems(recipients: readonly string[]): (string | null)[] {
  return checkAgeStrings(recipients).recipients;
}

const GET_ADDED =
  'run `pvecdk secrets identity new` to make one and give the recipient it prints (age1…) to an operator ' +
  'who can read the store: they run `pvecdk secrets recipients add <age1…>` and commit';

/**
 * The identities (`AGE-SECRET-KEY-1…`) in the identity file, in the format
 * the age tool writes: one per line, `#` comments and blank lines ignored.
 * A missing file, an unreadable one, one holding no identity or a line that
 * is not an identity are coded errors; a line's content is never quoted.
 */
export function readIdentities(file = identityFilePath()): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new SecretError(
        'SECRET_NO_IDENTITY',
        `the generated secrets are encrypted with age, and there is no age identity at ${file} ` +
          `(set ${IDENTITY_FILE_VARIABLE}, or keep it at the per-user default)`,
        GET_ADDED,
      );
    throw new SecretError('SECRET_IDENTITY_INVALID', `${file}: cannot be read (${code ?? 'error'})`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((raw, index) => ({ line: raw.trim(), number: index + 1 }))
    .filter(({ line }) => line && !line.startsWith('#'));
  const problems = checkAgeStrings(
    [],
    lines.map((l) => l.line),
  ).identities;
  const bad = lines.find((_l, i) => problems[i] !== null);
  if (bad)
    throw new SecretError(
      'SECRET_IDENTITY_INVALID',
      `${file} line ${bad.number} is not an age identity (AGE-SECRET-KEY-1…)`,
      'the file holds identities as `pvecdk secrets identity new` or `age-keygen` writes them',
    );
  const identities = lines.map((l) => l.line);
  if (identities.length === 0)
    throw new SecretError('SECRET_IDENTITY_INVALID', `${file} holds no age identity`, GET_ADDED);
  return identities;
}

/** The identity-mismatch error: who can read the store, and how to be added. */
export function identityMismatch(
  file: string,
  identityFile: string,
  recipients: readonly string[],
): SecretError {
  return new SecretError(
    'SECRET_IDENTITY_MISMATCH',
    `${file} is encrypted to ${recipients.map(shortRecipient).join(', ') || 'no recipient'}, ` +
      `and no identity in ${identityFile} is one of them`,
    GET_ADDED,
  );
}
