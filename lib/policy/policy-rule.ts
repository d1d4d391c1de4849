import type { IConstruct } from 'constructs';
import type { Resource } from '../core/resource.ts';
import type { RoleTag } from '../core/roles.ts';

/** A resource as policies see it: type, plan-form properties (tokens unresolved) and role. */
export interface PolicySubject {
  readonly resource: Resource;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly role: RoleTag | undefined;
}

/** Everything a rule may look at: all resources of the tree, so rules can relate them. */
export interface PolicyContext {
  readonly subjects: readonly PolicySubject[];
  ofType(type: string): readonly PolicySubject[];
  withRole(role: string): readonly PolicySubject[];
}

export interface PolicyFinding {
  /** The construct the finding is about; its path is reported and acknowledgements are looked up from it. */
  readonly construct: IConstruct;
  readonly message: string;
  readonly hint: string;
}

/** One security rule of the platform, checked at synth. */
export interface PolicyRule {
  /** Stable id, used to acknowledge a finding: `PVECDK-...`. */
  readonly id: string;
  /** One line: what the rule guarantees. */
  readonly title: string;
  check(context: PolicyContext): PolicyFinding[];
}
