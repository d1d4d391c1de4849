import type { IConstruct } from 'constructs';
import { Annotations } from './annotations.ts';
import { SynthError } from './errors.ts';
import { Resource } from './resource.ts';

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
   * @default - none: not raised by a named rule or code
   */
  readonly rule?: string;
}

/**
 * Synthesis refused: every issue of the whole tree, not just the first. The
 * issues are the data (each with its own hint); the message lists them without
 * hints, and the CLI shows each hint under its issue.
 */
export class ValidationError extends SynthError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super('SYNTH_VALIDATION', formatIssues(issues));
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
  return `  [${issue.path || '<app>'}] ${issue.message}${issue.rule ? ` (${issue.rule})` : ''}`;
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
    for (const message of c.node.validate()) issues.push({ path, message });
    for (const a of Annotations.of(c).all) {
      if (a.level === 'error') issues.push({ path, message: a.message, hint: a.hint, rule: a.rule });
    }
    if (Resource.isResource(c)) {
      for (const issue of c.validateProperties()) {
        issues.push({ path, message: `${c.resourceType}: ${issue.message}`, hint: issue.hint });
      }
    }
  }
  return issues.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
