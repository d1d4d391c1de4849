import { type Plan, type PlanResource, PlanSchema } from '../contract/plan.ts';
import type { Stack } from '../core/stack.ts';
import { synthesize } from '../core/synthesizer.ts';
import { closestCandidateReport, missingTypeReport } from './failure-report.ts';
import { matchLike } from './match.ts';
import type { MatchResult } from './match-result.ts';
import { show } from './match-result.ts';

/** Raised by a failing Template assertion; the message is the whole report. */
export class TemplateAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateAssertionError';
  }
}

/**
 * A synthesized plan to assert on, the way unit tests of a stack read:
 * `Template.fromStack(stack).hasResourceProperties(type, {...})`.
 *
 * Its errors carry no code on purpose: each fails the test it runs in, and a
 * test runner shows the message; TemplateAssertionError marks failed
 * assertions, a plain `Error` a template that cannot be read at all.
 */
export class Template {
  /** Synthesizes the stack's app (nothing is written) and takes that stack's plan. */
  static fromStack(stack: Stack): Template {
    const plan = synthesize(stack.node.root).plans.get(stack.stackName);
    if (!plan) throw new Error(`stack ${stack.stackName} produced no plan`);
    return new Template(plan);
  }

  /** Wraps a plan document (e.g. read from cdk.out), validated against the plan contract. */
  static fromJSON(document: unknown): Template {
    const parsed = PlanSchema.safeParse(document);
    if (!parsed.success) {
      const lines = parsed.error.issues
        .slice(0, 10)
        .map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
      throw new Error(`Template.fromJSON: not a plan:\n${lines.join('\n')}`);
    }
    return new Template(parsed.data);
  }

  private constructor(private readonly plan: Plan) {}

  /** The plan, for snapshot tests: `expect(template.toJSON()).toMatchSnapshot()`. */
  toJSON(): Plan {
    return this.plan;
  }

  private ofType(type: string): Array<[string, PlanResource]> {
    return Object.entries(this.plan.resources).filter(([, r]) => r.type === type);
  }

  resourceCountIs(type: string, count: number): void {
    const found = this.ofType(type).length;
    if (found !== count) {
      throw new TemplateAssertionError(
        `Expected ${count} resources of type ${type} but found ${found}.${this.typesLine()}`,
      );
    }
  }

  /** Resources of `type` whose properties match `props` (objectLike), by logical id. */
  findResources(type: string, props: unknown = {}): Record<string, PlanResource> {
    return Object.fromEntries(this.ofType(type).filter(([, r]) => matchLike(props, r.properties).isSuccess));
  }

  resourcePropertiesCountIs(type: string, props: unknown, count: number): void {
    const found = Object.keys(this.findResources(type, props)).length;
    if (found !== count) {
      throw new TemplateAssertionError(
        `Expected ${count} resources of type ${type} with properties ${show(props, 200)} but found ${found}.`,
      );
    }
  }

  /** Some resource of `type` has properties matching `props` (objectLike: extra keys allowed). */
  hasResourceProperties(type: string, props: unknown): void {
    this.assertSome(type, props, (r) => matchLike(props, r.properties), 'properties');
  }

  /** Some resource of `type` matches `props` against its whole entry (`properties`, `dependsOn`, `critical`, `path`). */
  hasResource(type: string, props: unknown): void {
    this.assertSome(type, props, (r) => matchLike(props, r), 'resource');
  }

  /** Every resource of `type` has properties matching `props`. */
  allResourcesProperties(type: string, props: unknown): void {
    const resources = this.ofType(type);
    if (resources.length === 0) throw new TemplateAssertionError(missingTypeReport(type, this.plan));
    for (const [id, r] of resources) {
      const result = matchLike(props, r.properties);
      if (!result.isSuccess) {
        throw new TemplateAssertionError(
          `Expected every ${type} to match, but ${id} (${r.path}) does not:\n${indent(result.toLines())}`,
        );
      }
    }
  }

  hasOutput(name: string, props: unknown): void {
    const output = this.plan.outputs[name];
    if (!output) {
      throw new TemplateAssertionError(
        `Template has no output ${name}. Outputs: ${Object.keys(this.plan.outputs).join(', ') || '(none)'}.`,
      );
    }
    const result = matchLike(props, output);
    if (!result.isSuccess)
      throw new TemplateAssertionError(`Output ${name} does not match:\n${indent(result.toLines())}`);
  }

  private assertSome(
    type: string,
    pattern: unknown,
    test: (r: PlanResource) => MatchResult,
    what: string,
  ): void {
    const resources = this.ofType(type);
    if (resources.length === 0) throw new TemplateAssertionError(missingTypeReport(type, this.plan));
    const results = resources.map(([id, r]) => ({ id, resource: r, result: test(r) }));
    if (results.some((x) => x.result.isSuccess)) return;
    throw new TemplateAssertionError(closestCandidateReport(type, pattern, what, results));
  }

  private typesLine(): string {
    const counts = new Map<string, number>();
    for (const r of Object.values(this.plan.resources)) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return counts.size
      ? ` Types present: ${[...counts]
          .sort()
          .map(([t, n]) => `${t} (${n})`)
          .join(', ')}.`
      : ' The plan has no resources.';
  }
}

function indent(lines: readonly string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}
