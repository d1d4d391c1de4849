import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/private/atomic-file.ts';
import { SecretError } from './secret-errors.ts';

/**
 * The team's secret store as a file fit to commit (`pvecdk.secrets.json`
 * beside cdk.json): one entry per remote and secret name, each entry a
 * binary age file in base64, encrypted to every recipient listed. Names are
 * not secret (plans carry them as references) and stay readable, so a pull
 * request shows which secrets changed; values are only ever inside age.
 *
 * Written deterministically (keys sorted, two-space JSON, one line per
 * entry), and an entry whose value and recipients did not change keeps its
 * ciphertext, so an unchanged secret never shows in a diff.
 *
 * Each entry encrypts `{"remote","name","value"}`, not the bare value: an
 * entry moved to another name or remote (by a bad merge) is refused instead
 * of silently serving one secret as another.
 */

export const TEAM_FILE_FORMAT = 'pvecdk-secrets/1';

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (an age file)');

export const TeamFileSchema = z.strictObject({
  format: z.literal(TEAM_FILE_FORMAT),
  /** Who the entries are encrypted to (sorted): what the last writer encrypted for. */
  recipients: z.array(z.string()).min(1),
  /** Remote name → secret name → base64 age file. */
  remotes: z.record(z.string(), z.record(z.string(), Base64)),
});

export type TeamFile = z.infer<typeof TeamFileSchema>;

/** What an entry's age file holds. */
export const EntryPlaintextSchema = z.strictObject({
  remote: z.string(),
  name: z.string(),
  value: z.string(),
});

const RESTORE_HINT =
  'restore it from version control (git log / git checkout the file); regenerating would change every generated key';

/** The file as it is now, or undefined when there is none; a damaged file is SECRET_STORE_CORRUPT. */
export function readTeamFile(file: string): TeamFile | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SecretError(
      'SECRET_STORE_CORRUPT',
      `${file} ${code ? `cannot be read (${code})` : 'is not JSON (truncated, or a merge left conflict markers)'}`,
      RESTORE_HINT,
    );
  }
  const parsed = TeamFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths and messages only: the entries are ciphertext, but a damaged file may hold anything.
    const lines = parsed.error.issues
      .slice(0, 5)
      .map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new SecretError(
      'SECRET_STORE_CORRUPT',
      `${file} is not a pvecdk team secret store (${TEAM_FILE_FORMAT}):\n${lines.join('\n')}`,
      RESTORE_HINT,
    );
  }
  return parsed.data;
}

function sortedObject<T>(record: Readonly<Record<string, T>>, each: (v: T) => unknown = (v) => v) {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, each(record[k]!)]),
  );
}

/** The file's text: keys sorted, so two writers of the same content write the same bytes. */
export function teamFileText(doc: TeamFile): string {
  const ordered = {
    format: doc.format,
    recipients: [...doc.recipients].sort(),
    remotes: sortedObject(doc.remotes, (entries) => sortedObject(entries)),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Replaces the file whole (readers never see half of it); 0644: it holds only ciphertext, and is committed. */
export function writeTeamFile(file: string, doc: TeamFile): void {
  writeFileAtomic(file, teamFileText(doc), 0o644);
}

/** Whether two recipient lists name the same recipients. */
export function sameRecipients(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((r, i) => r === y[i]);
}
