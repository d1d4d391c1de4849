import { z } from 'zod';

/**
 * The plan: the only thing synthesis and the engine share. One file per stack
 * (`<outdir>/<stack>.plan.json`) plus `manifest.json`. The zod schemas here are
 * what the engine uses to load plans, so a hand-edited or stale plan is
 * rejected with the failing path instead of being half-applied.
 */
export const PLAN_VERSION = 1;

export const PlanResourceSchema = z.strictObject({
  type: z.string().min(1),
  path: z.string().min(1),
  dependsOn: z.array(z.string()),
  properties: z.record(z.string(), z.unknown()),
  critical: z.literal(true).optional(),
  snapshotRetention: z.number().int().positive().optional(),
});

export const PlanOutputSchema = z.strictObject({
  value: z.unknown(),
  description: z.string().optional(),
});

export const AcknowledgementSchema = z.strictObject({
  rule: z.string(),
  path: z.string(),
  reason: z.string(),
});

/**
 * A resource of this stack that uses something of another stack by value, not through a
 * reference the engine resolves (a shortcut holding another customer's server address): what
 * destroying that stack would leave pointing at nothing. References (`{"ref": "other:Id"}`)
 * are found in the properties themselves and are not repeated here.
 */
export const PlanUseSchema = z.strictObject({
  /** The logical id of the resource of this stack that uses it. */
  resource: z.string().min(1),
  /** The plan key of that resource that holds the value (`link_content`). */
  property: z.string().min(1),
  /** The other stack. */
  stack: z.string().min(1),
  /** The construct path of what is used there (`acme/acme-main`). */
  path: z.string().min(1),
});

export const PlanSchema = z.strictObject({
  version: z.literal(PLAN_VERSION),
  stack: z.string().min(1),
  remote: z.string().min(1),
  description: z.string().optional(),
  dependsOn: z.array(z.string()),
  resources: z.record(z.string(), PlanResourceSchema),
  outputs: z.record(z.string(), PlanOutputSchema),
  acknowledgements: z.array(AcknowledgementSchema).optional(),
  uses: z.array(PlanUseSchema).optional(),
});

export const ManifestSchema = z.strictObject({
  version: z.literal(PLAN_VERSION),
  stacks: z.record(
    z.string(),
    z.strictObject({
      file: z.string(),
      remote: z.string(),
      dependsOn: z.array(z.string()),
      resourceCount: z.number().int().nonnegative(),
    }),
  ),
});

export type PlanResource = z.infer<typeof PlanResourceSchema>;
export type PlanOutput = z.infer<typeof PlanOutputSchema>;
export type PlanUse = z.infer<typeof PlanUseSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
