import type { IConstruct } from 'constructs';
import { Annotations } from './annotations.ts';
import { SynthError, type SynthErrorCode } from './errors.ts';
import {
  authoredConstruct,
  creationSiteOf,
  describeConstruct,
  type SourceLocation,
} from './private/creation-trace.ts';
import { Resource } from './resource.ts';

export type { SourceLocation } from './private/creation-trace.ts';

/** One problem found in the tree, always tied to the construct that has it. */
export interface ValidationIssue {
  /** The construct path it is about (empty for the app). */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /**
   * What to do about it.
   * @default - no hint
   */
  readonly hint?: string;
  /**
   * The policy rule or error code that raised it.
   * @default - none: not raised by a named policy rule
   */
  readonly rule?: string;
  /**
   * Its stable error code (docs/errors.md): what kind of mistake it is.
   * @default - SYNTH_CONSTRUCT_ERROR
   */
  readonly code?: SynthErrorCode;
  /**
   * The line of the user's code that created the construct (absolute file).
   * @default - unknown: no user code on the construct's creation trace
   */
  readonly location?: SourceLocation;
  /**
   * The construct the user wrote that holds it, as `Class id` (`Customer acme`).
   * @default - unknown
   */
  readonly construct?: string;
}

/**
 * Synthesis refused: every issue of the whole tree, not just the first. The
 * issues are the data (each with its own hint); the message lists them without
 * hints, and the CLI shows each hint under its issue.
 */
export class ValidationError extends SynthError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], hint?: string) {
    super('SYNTH_VALIDATION', formatIssues(issues), hint);
    this.issues = issues;
  }
}

/** `synthesis failed with N errors:` and one line per issue: `[path] message (rule)`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return [
    `synthesis failed with ${issues.length} error${issues.length === 1 ? '' : 's'}:`,
    ...issues.map(formatIssue),
  ].join('\n');
}

export function formatIssue(issue: ValidationIssue): string {
  const tag = issue.rule ?? issue.code;
  return `  [${issue.path || '<app>'}] ${issue.message}${tag ? ` (${tag})` : ''}`;
}

/**
 * Gathers the errors of every construct: validations added with
 * `node.addValidation`, annotations, and resource props checked against their
 * schema. Sorted by path so the report is stable.
 */
export function collectTreeIssues(root: IConstruct): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const c of root.node.findAll()) {
    const path = c.node.path;
    for (const message of c.node.validate()) issues.push({ path, message, code: 'SYNTH_CONSTRUCT_ERROR' });
    for (const a of Annotations.of(c).all) {
      if (a.level !== 'error') continue;
      const code = a.code ?? (a.rule ? 'SYNTH_POLICY' : 'SYNTH_CONSTRUCT_ERROR');
      issues.push({
        path,
        message: a.message,
        code,
        ...(a.hint ? { hint: a.hint } : {}),
        ...(a.rule ? { rule: a.rule } : {}),
      });
    }
    if (Resource.isResource(c)) {
      for (const issue of c.validateProperties()) {
        issues.push({
          path,
          message: `${c.resourceType}: ${issue.message}`,
          hint: issue.hint,
          code: 'SYNTH_INVALID_PROPS',
        });
      }
    }
  }
  return issues;
}

/**
 * The errors constructs recorded while they were built (not the checks synth
 * runs), located: what explains a stack file that failed after a construct
 * with a mistake came out incomplete.
 */
export function recordedErrors(root: IConstruct): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const c of root.node.findAll()) {
    for (const a of Annotations.of(c).all) {
      if (a.level !== 'error') continue;
      const code = a.code ?? (a.rule ? 'SYNTH_POLICY' : 'SYNTH_CONSTRUCT_ERROR');
      issues.push({
        path: c.node.path,
        message: a.message,
        code,
        ...(a.hint ? { hint: a.hint } : {}),
        ...(a.rule ? { rule: a.rule } : {}),
      });
    }
  }
  return locateIssues(root, issues);
}

/**
 * Each issue with where the user made it: the line of their code that created
 * the construct, and the construct they wrote (`Customer acme` for a problem
 * in one of its VMs). Sorted by path (in the order found within one path), so the report is stable.
 */
export function locateIssues(root: IConstruct, issues: readonly ValidationIssue[]): ValidationIssue[] {
  const byPath = new Map(root.node.findAll().map((c) => [c.node.path, c]));
  return issues
    .map((issue) => {
      const c = byPath.get(issue.path);
      if (!c) return issue;
      const location = issue.location ?? creationSiteOf(c);
      const authored = c.node.scope ? authoredConstruct(c) : undefined;
      return {
        ...issue,
        code: issue.code ?? 'SYNTH_CONSTRUCT_ERROR',
        ...(location ? { location } : {}),
        ...(authored && !issue.construct ? { construct: describeConstruct(authored) } : {}),
      };
    })
    .sort((a, b) => compare(a.path, b.path));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
