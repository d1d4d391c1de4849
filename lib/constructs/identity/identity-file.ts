import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { SynthError } from '../../core/errors.ts';
import { stableStringify } from '../../core/private/stable-json.ts';

/**
 * The identity record, `pvecdk.identities.json` beside cdk.json: every VM id,
 * address, MAC, name and customer number synthesis handed out, per platform,
 * so they never move while others come and go, and so customers in separate
 * stack files see each other. Written by the CLI after synthesis, sorted for
 * review in a pull request, like cdk.context.json; `--frozen` refuses a run
 * that would change it.
 */
export const IDENTITY_FILE_NAME = 'pvecdk.identities.json';

/** The environment variable through which the CLI hands the record's path to the stack file's process. */
export const IDENTITY_FILE_ENV = 'PVECDK_IDENTITIES';

export const IDENTITY_KINDS = [
  'customer_number',
  'ipv4_address',
  'mac_address',
  'server_name',
  'user_name',
  'vm_id',
  'vpn_address',
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

const entrySchema = z.strictObject({
  value: z.union([z.string().min(1), z.number().int()]),
  /** The stack whose construct holds it. */
  stack: z.string().min(1),
});
export type IdentityEntry = z.infer<typeof entrySchema>;

const sectionSchema = z.strictObject({
  /** Where each stack is declared (relative to the project): named in errors, checked for removal. */
  stacks: z.record(z.string(), z.string()),
  /** By kind, then by key (the holder's construct path, with `/netN` for a NIC). */
  identities: z.partialRecord(z.enum(IDENTITY_KINDS), z.record(z.string(), entrySchema)),
});
export type IdentitySection = z.infer<typeof sectionSchema>;

const fileSchema = z.strictObject({
  version: z.literal(1),
  /** By platform: the cluster construct's path. */
  platforms: z.record(z.string(), sectionSchema),
});
export type IdentityFile = z.infer<typeof fileSchema>;

export const emptyIdentityFile = (): IdentityFile => ({ version: 1, platforms: {} });

/** Parses the record's text; names the file and the first bad field when it is not one. */
export function parseIdentityFile(text: string, file: string): IdentityFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SynthError(
      'SYNTH_INVALID_IDENTITIES',
      `${file} is not JSON (${(e as Error).message})`,
      `restore it from version control (git checkout -- ${file}); it is written by pvecdk synth`,
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SynthError(
      'SYNTH_INVALID_IDENTITIES',
      `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      `restore it from version control (git checkout -- ${file}); it is written by pvecdk synth`,
    );
  }
  return parsed.data;
}

/** The record at `path`, or an empty one when there is none yet. */
export function readIdentityFile(path: string): IdentityFile {
  if (!existsSync(path)) return emptyIdentityFile();
  return parseIdentityFile(readFileSync(path, 'utf8'), path);
}

/** Sorted, two-space JSON with a final newline: the same record gives the same bytes. */
export function formatIdentityFile(file: IdentityFile): string {
  return stableStringify(file);
}

/** The section of the record the CLI handed to this process for `platform`, if any. */
export function recordedSection(platform: string): IdentitySection | undefined {
  const path = process.env[IDENTITY_FILE_ENV];
  if (!path) return undefined;
  return readIdentityFile(path).platforms[platform];
}

/** Lets go of everything the stacks `gone` says are gone held (their stack file was deleted). */
export function releaseStacks(
  section: IdentitySection,
  gone: (stack: string, file: string) => boolean,
): void {
  for (const [name, file] of Object.entries(section.stacks)) {
    if (!gone(name, file)) continue;
    delete section.stacks[name];
    for (const entries of Object.values(section.identities))
      for (const [key, entry] of Object.entries(entries ?? {}))
        if (entry.stack === name) delete entries![key];
  }
}
