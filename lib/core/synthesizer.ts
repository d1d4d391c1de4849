import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { type Manifest, PLAN_VERSION, type Plan, type PlanResource } from '../contract/plan.ts';
import {
  type AcknowledgedFinding,
  type Acknowledgement,
  type Annotation,
  Annotations,
} from './annotations.ts';
import { invokeAspects } from './aspects.ts';
import { Output } from './output.ts';
import { writeFileAtomic } from './private/atomic-file.ts';
import { creationSiteOf, type SourceLocation } from './private/creation-trace.ts';
import { findCycles } from './private/dag.ts';
import { resolveValue } from './private/resolve.ts';
import { stableStringify } from './private/stable-json.ts';
import { Resource } from './resource.ts';
import { Stack } from './stack.ts';
import { collectTreeIssues, locateIssues, ValidationError, type ValidationIssue } from './validation.ts';

const LOGICAL_ID = /^[A-Za-z][A-Za-z0-9_-]{0,254}$/;

/** The result of synthesis: one plan per stack and the manifest that lists them. */
export interface Assembly {
  /** The list of stacks: plan file, remote, dependencies, resource count. */
  readonly manifest: Manifest;
  /** Each stack's plan, by stack name. */
  readonly plans: ReadonlyMap<string, Plan>;
  /** Warnings found on the tree; errors fail synthesis instead. */
  readonly warnings: readonly Annotation[];
  /** Policy findings an acknowledgement accepted, sorted by path and rule: synth and diff list them. */
  readonly acknowledged: readonly LocatedAcknowledgedFinding[];
}

/** An acknowledged finding with the line of user code that created its construct. */
export interface LocatedAcknowledgedFinding extends AcknowledgedFinding {
  /**
   * Where the user's code created the construct the finding is about.
   * @default - unknown
   */
  readonly location?: SourceLocation;
}

/**
 * Runs aspects, validates the whole tree, resolves tokens and builds the plans.
 * Throws one ValidationError listing every problem found; builds nothing
 * partial.
 */
export function synthesize(root: IConstruct): Assembly {
  invokeAspects(root);
  const all = root.node.findAll();
  const stacks = all.filter(Stack.isStack);
  const issues: ValidationIssue[] = collectTreeIssues(root);
  const plans = new Map<string, Plan>();

  for (const stack of stacks) {
    const { plan, issues: stackIssues } = buildPlan(stack, stacks);
    issues.push(...stackIssues);
    plans.set(stack.stackName, plan);
  }
  issues.push(...findStackCycles(stacks));

  if (issues.length > 0) throw new ValidationError(locateIssues(root, issues));

  // Cross-stack references may have added stack dependencies while plans were built.
  for (const stack of stacks) {
    const plan = plans.get(stack.stackName)!;
    plans.set(stack.stackName, { ...plan, dependsOn: stack.dependencies.map((d) => d.stackName).sort() });
  }

  const manifest: Manifest = { version: PLAN_VERSION, stacks: {} };
  for (const [name, plan] of [...plans].sort(([a], [b]) => (a < b ? -1 : 1))) {
    manifest.stacks[name] = {
      file: `${name}.plan.json`,
      remote: plan.remote,
      dependsOn: plan.dependsOn,
      resourceCount: Object.keys(plan.resources).length,
    };
  }
  const warnings = all.flatMap((c) => Annotations.of(c).all.filter((a) => a.level === 'warning'));
  const acknowledged = all
    .flatMap((c) =>
      Annotations.of(c).acknowledgedFindings.map((f) => {
        const location = creationSiteOf(c);
        return { ...f, ...(location ? { location } : {}) };
      }),
    )
    .sort((a, b) => (a.path + a.rule < b.path + b.rule ? -1 : a.path + a.rule > b.path + b.rule ? 1 : 0));
  return { manifest, plans, warnings, acknowledged };
}

function buildPlan(stack: Stack, stacks: readonly Stack[]): { plan: Plan; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const members = stack.node.findAll().filter((c) => Stack.of(c) === stack);
  const resources: Record<string, PlanResource> = {};
  const seen = new Map<string, string>();

  for (const resource of members.filter(Resource.isResource)) {
    const path = resource.node.path;
    const id = resource.logicalId;
    if (!LOGICAL_ID.test(id)) {
      issues.push({ path, message: `logical id '${id}' is not valid`, code: 'SYNTH_INVALID_ID' });
      continue;
    }
    const other = seen.get(id);
    if (other) {
      issues.push({
        path,
        message: `logical id '${id}' is also used by ${other}`,
        hint: 'give one of them another id or overrideLogicalId()',
        code: 'SYNTH_DUPLICATE_LOGICAL_ID',
      });
      continue;
    }
    seen.set(id, path);

    const resolved = resolveValue(resource.synthesizeProperties(), stack);
    for (const p of resolved.problems) {
      issues.push({ path, message: `property ${p}`, code: 'SYNTH_UNRESOLVABLE_VALUE' });
    }
    const dependsOn = new Set<string>();
    const depend = (target: Resource): void => {
      if (!stacks.includes(target.stack)) {
        issues.push({
          path,
          message: `refers to ${target.node.path}, which belongs to another app`,
          code: 'SYNTH_FOREIGN_REFERENCE',
        });
      } else if (target.stack === stack) {
        dependsOn.add(target.logicalId);
      } else {
        stack.addDependency(target.stack, `${path} → ${target.node.path}`);
      }
    };
    for (const t of resolved.localTargets) depend(t);
    for (const t of resolved.foreignTargets) depend(t);
    for (const t of resource.dependencies) depend(t);

    resources[id] = {
      type: resource.resourceType,
      path,
      dependsOn: [...dependsOn].sort(),
      properties: resolved.value as Record<string, unknown>,
      ...(resource.isCritical ? { critical: true as const } : {}),
      ...(resource.isCritical && resource.snapshotRetention !== undefined
        ? { snapshotRetention: resource.snapshotRetention }
        : {}),
    };
  }

  const outputs: Plan['outputs'] = {};
  for (const output of members.filter(Output.isOutput)) {
    const key = output.node.id;
    if (outputs[key]) {
      issues.push({
        path: output.node.path,
        message: `output name '${key}' is used twice in stack ${stack.stackName}`,
        code: 'SYNTH_CONFLICT',
      });
      continue;
    }
    const resolved = resolveValue(output.value, stack);
    for (const p of resolved.problems)
      issues.push({ path: output.node.path, message: `output value ${p}`, code: 'SYNTH_UNRESOLVABLE_VALUE' });
    for (const t of resolved.foreignTargets) stack.addDependency(t.stack, output.node.path);
    outputs[key] = {
      value: resolved.value,
      ...(output.description ? { description: output.description } : {}),
    };
  }

  const acknowledgements: Acknowledgement[] = members
    .flatMap((c) => Annotations.of(c).acknowledgements)
    .sort((a, b) => (a.path + a.rule < b.path + b.rule ? -1 : 1));

  const uses = [
    ...new Map(
      stack.uses.map((u) => {
        const use = {
          resource: stack.allocateLogicalId(u.by),
          property: u.property,
          stack: Stack.of(u.used).stackName,
          path: u.used.node.path,
        };
        return [JSON.stringify(use), use] as const;
      }),
    ).values(),
  ].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

  const plan: Plan = {
    version: PLAN_VERSION,
    stack: stack.stackName,
    remote: stack.remote,
    ...(stack.description ? { description: stack.description } : {}),
    dependsOn: [],
    resources,
    outputs,
    ...(acknowledgements.length ? { acknowledgements } : {}),
    ...(uses.length ? { uses } : {}),
  };
  return { plan, issues };
}

function findStackCycles(stacks: readonly Stack[]): ValidationIssue[] {
  const byName = new Map(stacks.map((s) => [s.stackName, s]));
  const nodes = stacks.map((s) => ({ id: s.stackName, dependsOn: s.dependencies.map((d) => d.stackName) }));
  return findCycles(nodes).map((cycle) => ({
    path: byName.get(cycle[0]!)!.node.path,
    message: `stacks depend on each other in a cycle: ${cycle.join(' → ')}`,
    hint: 'move the shared resources into one stack that both depend on',
    code: 'SYNTH_STACK_CYCLE',
  }));
}

/**
 * Writes `<stack>.plan.json` files and `manifest.json` into `outdir`, each
 * through a temporary file and a rename. Plans of other stacks already in the
 * folder are left alone: each stack file synthesizes only its own stacks and
 * their dependencies, and customers' plans live side by side. Returns the
 * paths written.
 */
export function writeAssembly(assembly: Assembly, outdir: string): string[] {
  mkdirSync(outdir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, data: unknown, durable: boolean): void => {
    const target = join(outdir, file);
    writeFileAtomic(target, stableStringify(data), 0o644, { durable });
    written.push(target);
  };
  // One flush per plan made writing 1,000 plans take seconds: plans are remade by every synth, so
  // only the manifest, written last, is flushed (see writeFileAtomic's `durable`).
  for (const [name, plan] of assembly.plans) write(`${name}.plan.json`, plan, false);
  write('manifest.json', assembly.manifest, true);
  return written;
}
