import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { type Manifest, ManifestSchema, type Plan, PlanSchema } from '../contract/plan.ts';
import { planTypeOf } from '../contract/registry.ts';
import { dependencyOrder, findCycles } from '../core/private/dag.ts';
import { PlanError } from './plan-errors.ts';

/** A synthesized assembly as the engine reads it from disk. */
export interface LoadedAssembly {
  readonly outdir: string;
  readonly manifest: Manifest;
  readonly plans: ReadonlyMap<string, Plan>;
}

function invalid(file: string, error: z.ZodError): PlanError {
  const lines = error.issues
    .slice(0, 10)
    .map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return new PlanError(
    'PLAN_INVALID',
    `${file} is not a valid plan:\n${lines.join('\n')}`,
    'run `pvecdk synth` again; plans are written by synth and are not meant to be edited',
  );
}

function readJson(file: string): unknown {
  if (!existsSync(file)) {
    throw new PlanError('PLAN_MISSING', `${file} does not exist`, 'run `pvecdk synth <stackfile>` first');
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PlanError(
      'PLAN_INVALID',
      `${file} is not valid JSON: ${(e as Error).message}`,
      'run `pvecdk synth` again',
    );
  }
}

/**
 * Reads `manifest.json` and every plan it lists, each validated against the
 * plan contract, and checks that they agree (stack names, remotes, the
 * dependency lists, references to stacks that exist).
 */
export function loadAssembly(outdir: string): LoadedAssembly {
  const manifestFile = join(outdir, 'manifest.json');
  const parsed = ManifestSchema.safeParse(readJson(manifestFile));
  if (!parsed.success) throw invalid(manifestFile, parsed.error);
  const manifest = parsed.data;
  const plans = new Map<string, Plan>();
  for (const [name, entry] of Object.entries(manifest.stacks)) {
    const file = join(outdir, entry.file);
    const plan = PlanSchema.safeParse(readJson(file));
    if (!plan.success) throw invalid(file, plan.error);
    if (plan.data.stack !== name || plan.data.remote !== entry.remote) {
      throw new PlanError(
        'PLAN_INVALID',
        `${file} is for stack ${plan.data.stack} on ${plan.data.remote}, but the manifest lists ${name} on ${entry.remote}`,
        'run `pvecdk synth` again: the output folder mixes two synths',
      );
    }
    checkResources(file, plan.data);
    for (const dep of plan.data.dependsOn) {
      if (!(dep in manifest.stacks)) {
        throw new PlanError(
          'PLAN_INVALID',
          `${file}: depends on stack ${dep}, which the manifest does not list`,
          'run `pvecdk synth` again',
        );
      }
    }
    plans.set(name, plan.data);
  }
  return { outdir, manifest, plans };
}

/**
 * Every resource against its plan type's contract, as synthesis checked it:
 * a plan from another version of pvecdk, or edited by hand, is refused here
 * with the resource and the key, before anything is read or written.
 */
function checkResources(file: string, plan: Plan): void {
  for (const [id, resource] of Object.entries(plan.resources)) {
    const contract = planTypeOf(resource.type);
    if (!contract)
      throw new PlanError(
        'PLAN_INVALID',
        `${file}: resource ${id} (${resource.path}) has type ${resource.type}, which this version of pvecdk does not know`,
        'run `pvecdk synth` again with this version',
      );
    const parsed = contract.plan.safeParse(resource.properties);
    if (!parsed.success) {
      const lines = parsed.error.issues
        .slice(0, 10)
        .map((i) => `  ${resource.path}: ${i.path.map(String).join('.') || '(properties)'}: ${i.message}`);
      throw new PlanError(
        'PLAN_INVALID',
        `${file}: resource ${id} does not match the ${resource.type} contract:\n${lines.join('\n')}`,
        'run `pvecdk synth` again; plans are written by synth and are not meant to be edited',
      );
    }
  }
}

/**
 * Stacks to deploy for `targets`, dependencies first (each once), in a stable
 * order: a stack comes after everything it depends on, ties by name.
 */
export function deploymentOrder(assembly: LoadedAssembly, targets: readonly string[]): string[] {
  for (const name of targets)
    if (!assembly.plans.has(name))
      throw new PlanError(
        'PLAN_MISSING',
        `stack ${name} is not in ${assembly.outdir}/manifest.json`,
        'synthesize the stack file that defines it',
      );
  const nodes = [...assembly.plans.values()].map((p) => ({ id: p.stack, dependsOn: p.dependsOn }));
  const cycle = findCycles(nodes)[0];
  if (cycle)
    throw new PlanError('PLAN_INVALID', `stacks depend on each other in a cycle: ${cycle.join(' → ')}`);
  return dependencyOrder(nodes, targets);
}
