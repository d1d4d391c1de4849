import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { recipientProblems } from '../engine/secrets/age-identity.ts';
import { CliError } from './errors.ts';

/** A secret in cdk.json is a reference, never a literal: `env:NAME` or `file:path`. */
const SecretRef = z
  .string()
  .regex(
    /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/,
    'must be a reference "env:NAME" or "file:path", not a literal secret',
  );

const Fingerprint = z
  .string()
  .regex(
    /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/,
    'must be a SHA-256 fingerprint (AB:CD:... as the Proxmox GUI shows it)',
  );

export const RemoteConfigSchema = z.strictObject({
  /** Base URLs tried in order; later ones are fallbacks when a host cannot be reached. */
  hosts: z.array(z.url({ protocol: /^https$/ })).min(1),
  /** `user@realm!tokenid`. */
  tokenId: z.string().regex(/^[^@\s]+@[^!\s]+![A-Za-z][A-Za-z0-9._-]*$/, 'must look like user@realm!tokenid'),
  tokenSecret: SecretRef,
  fingerprint: Fingerprint.optional(),
  caFile: z.string().optional(),
  /** Parallel API calls against this remote. */
  concurrency: z.number().int().min(1).max(64).optional(),
});

/**
 * Where state, deploy locks and history of configured remotes are kept:
 * `local` files under stateDir (the default) or one PostgreSQL database
 * (`url`: a reference to the connection URL, which holds a password).
 */
export const BackendConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({ type: z.literal('pg'), url: SecretRef }),
]);

export const SecretsConfigSchema = z.strictObject({
  /**
   * Who the team secret store is encrypted to: each operator's and CI job's
   * age recipient. None (or no `secrets` key): the plain local store.
   */
  recipients: z
    .array(z.string())
    .superRefine((list, ctx) => {
      // Parsed by the age package itself (loaded only when there are recipients).
      for (const [i, problem] of recipientProblems(list).entries())
        if (problem)
          ctx.addIssue({ code: 'custom', path: [i], message: `not an age recipient (age1…): ${problem}` });
      if (new Set(list).size !== list.length)
        ctx.addIssue({ code: 'custom', message: 'lists a recipient twice' });
    })
    .default([]),
});

export const ProjectConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Where plans are written. */
  output: z.string().min(1).default('cdk.out'),
  /** Where state, locks, secrets and the emulator's data live. */
  stateDir: z.string().min(1).default('.pvecdk'),
  backend: BackendConfigSchema.default({ type: 'local' }),
  remotes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/), RemoteConfigSchema).default({}),
  /** Context values stacks read with `node.tryGetContext(key)`. */
  context: z.record(z.string(), z.unknown()).default({}),
  /** The generated secrets' store: encrypted to these age recipients when there are any. */
  secrets: SecretsConfigSchema.default({ recipients: [] }),
});

export type RemoteConfig = z.infer<typeof RemoteConfigSchema>;
export type BackendConfig = z.infer<typeof BackendConfigSchema>;
export type ProjectConfig = z.infer<typeof ProjectConfigSchema>;

/** Reads `<dir>/cdk.json`; a missing file means all defaults. */
export function loadProjectConfig(dir: string): ProjectConfig {
  const file = join(dir, 'cdk.json');
  if (!existsSync(file)) return ProjectConfigSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(
      'CLI_CONFIG',
      `${file}: not valid JSON (${(e as Error).message})`,
      'fix the JSON syntax',
    );
  }
  const parsed = ProjectConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CliError(
      'CLI_CONFIG',
      `${file} is invalid:\n${lines.join('\n')}`,
      'see "Configuration" in README.md for every key',
    );
  }
  return parsed.data;
}
