import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Cluster } from '../constructs/cluster.ts';
import {
  formatIdentityFile,
  IDENTITY_FILE_ENV,
  IDENTITY_FILE_NAME,
  type IdentityFile,
  readIdentityFile,
  releaseStacks,
} from '../constructs/identity/identity-file.ts';
import { SynthError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/private/atomic-file.ts';
import type { LoadedStackFile } from './stack-file.ts';

/**
 * Where the identity record lives: `$PVECDK_IDENTITIES` when set (empty: no
 * record, as the test suite runs), else pvecdk.identities.json beside
 * cdk.json. Called before a stack file is loaded, so its clusters read it.
 */
export function useIdentityRecord(cwd: string): string | undefined {
  const given = process.env[IDENTITY_FILE_ENV];
  if (given === '') return undefined;
  const path = given ? resolve(cwd, given) : join(cwd, IDENTITY_FILE_NAME);
  process.env[IDENTITY_FILE_ENV] = path;
  return path;
}

/** Whether a run may change the record: `--frozen` or `PVECDK_FROZEN=1` (for CI) says no. */
export const identitiesFrozen = (): boolean => process.env.PVECDK_FROZEN === '1';

export interface IdentityRecordUpdate {
  readonly path: string;
  /** Lines saying what was added and let go, for the CLI to print. */
  readonly changes: readonly string[];
}

/**
 * After synthesis: the record with what this run handed out and let go.
 * Stacks of this run keep exactly what they claimed; others stay as they
 * were, except those whose stack file no longer exists. Written atomically,
 * only when it changed; with --frozen a change is refused instead.
 */
export function updateIdentityRecord(loaded: LoadedStackFile, cwd: string): IdentityRecordUpdate | undefined {
  const path = process.env[IDENTITY_FILE_ENV];
  if (!path) return undefined;
  const before = readIdentityFile(path);
  const oldText = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const stacks = new Map([...loaded.origins].map(([name, origin]) => [name, origin.file]));
  const next: IdentityFile = { version: 1, platforms: { ...before.platforms } };
  for (const cluster of loaded.app.node.findAll().filter((c): c is Cluster => c instanceof Cluster)) {
    const section = cluster.identities.section(stacks);
    // A stack whose file is gone: what it held is free again.
    releaseStacks(section, (name, file) => !stacks.has(name) && !existsSync(resolve(cwd, file)));
    next.platforms[cluster.node.path] = section;
  }
  const text = formatIdentityFile(next);
  if (text === oldText || (oldText === '' && Object.keys(next.platforms).length === 0)) return undefined;
  const changes = describeChanges(before, next);
  if (identitiesFrozen()) {
    throw new SynthError(
      'SYNTH_IDENTITIES_FROZEN',
      `${IDENTITY_FILE_NAME} would change (--frozen):\n${changes.map((c) => `  ${c}`).join('\n')}`,
      `synthesize without --frozen and commit ${IDENTITY_FILE_NAME}, then run again`,
    );
  }
  writeFileAtomic(path, text);
  return { path, changes };
}

function describeChanges(before: IdentityFile, after: IdentityFile): string[] {
  const flat = (f: IdentityFile) => {
    const out = new Map<string, string>();
    for (const [platform, section] of Object.entries(f.platforms))
      for (const [kind, entries] of Object.entries(section.identities))
        for (const [key, entry] of Object.entries(entries ?? {}))
          out.set(`${kind} of ${key} (${platform})`, String(entry.value));
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  const lines: string[] = [];
  for (const [k, v] of b)
    if (a.get(k) !== v) lines.push(a.has(k) ? `~ ${k}: ${a.get(k)} → ${v}` : `+ ${k}: ${v}`);
  for (const [k, v] of a) if (!b.has(k)) lines.push(`- ${k}: ${v} (let go)`);
  return lines.sort();
}
