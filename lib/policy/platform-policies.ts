import type { IConstruct } from 'constructs';
import { type Acknowledgement, Annotations } from '../core/annotations.ts';
import type { IAspect } from '../core/aspects.ts';
import { closestKey } from '../core/private/closest-name.ts';
import { Resource } from '../core/resource.ts';
import { Roles } from '../core/roles.ts';
import type { PolicyContext, PolicyRule, PolicySubject } from './policy-rule.ts';
import { criticalSnapshot } from './rules/critical-snapshot.ts';
import { dbIsolation } from './rules/db-isolation.ts';
import { isolatedBridges } from './rules/isolated-bridges.ts';
import { noWanRdp } from './rules/no-wan-rdp.ts';
import { rdsUserFenced } from './rules/rds-user-fenced.ts';
import { rdsViaVpn } from './rules/rds-via-vpn.ts';
import { secretsByReference } from './rules/secrets-by-reference.ts';

/** The platform's security rules, in the order they are reported. */
export const PLATFORM_POLICY_RULES: readonly PolicyRule[] = [
  noWanRdp,
  isolatedBridges,
  rdsViaVpn,
  rdsUserFenced,
  dbIsolation,
  secretsByReference,
  criticalSnapshot,
];

/**
 * Runs the policy rules once over the whole tree below the scope it was added
 * to (add it with AspectPriority.READONLY so it sees what other aspects made).
 * A finding becomes a synth error on its construct unless that construct or an
 * ancestor acknowledged the rule, with a reason that lands in the plan.
 */
export class PlatformPolicies implements IAspect {
  private readonly checked = new WeakSet<IConstruct>();

  constructor(private readonly rules: readonly PolicyRule[] = PLATFORM_POLICY_RULES) {}

  visit(node: IConstruct): void {
    for (let c = node.node.scope; c; c = c.node.scope) if (this.checked.has(c)) return;
    if (this.checked.has(node)) return;
    this.checked.add(node);
    const context = buildContext(node);
    const used = new Set<string>();
    for (const rule of this.rules) {
      for (const finding of rule.check(context)) {
        const annotations = Annotations.of(finding.construct);
        const acknowledgement = annotations.acknowledgementOf(rule.id);
        if (acknowledgement) {
          annotations.addAcknowledgedFinding(rule.id, finding.message, acknowledgement);
          used.add(acknowledgementKey(acknowledgement));
          continue;
        }
        annotations.addError(finding.message, { rule: rule.id, hint: finding.hint, code: 'SYNTH_POLICY' });
      }
    }
    this.checkAcknowledgements(node, used);
  }

  /**
   * An acknowledgement accepts findings of one rule: one naming no rule of the
   * platform (a typo) or accepting nothing where it is placed would hide a
   * finding it was meant for, or outlive the exception it recorded.
   */
  private checkAcknowledgements(root: IConstruct, used: ReadonlySet<string>): void {
    const ids = this.rules.map((r) => r.id);
    for (const c of root.node.findAll()) {
      for (const acknowledgement of Annotations.of(c).acknowledgements) {
        const { rule } = acknowledgement;
        if (!ids.includes(rule)) {
          const close = closestKey(rule, ids);
          Annotations.of(c).addError(
            `acknowledges ${rule}, which is no policy rule of the platform${close ? `; did you mean ${close}?` : ''}`,
            { code: 'SYNTH_UNKNOWN_RULE', hint: `the rules (docs/policies.md): ${ids.join(', ')}` },
          );
        } else if (!used.has(acknowledgementKey(acknowledgement))) {
          Annotations.of(c).addError(
            `acknowledges ${rule}, but the rule finds nothing at or below ${c.node.path || '<app>'} to accept`,
            {
              code: 'SYNTH_UNUSED_ACKNOWLEDGEMENT',
              hint: 'remove the acknowledgement, or place it on the construct the finding names (or an ancestor of it)',
            },
          );
        }
      }
    }
  }
}

const acknowledgementKey = (a: Acknowledgement): string => `${a.path}\u0000${a.rule}`;

function buildContext(root: IConstruct): PolicyContext {
  const subjects: PolicySubject[] = root.node
    .findAll()
    .filter(Resource.isResource)
    .map((resource) => ({
      resource,
      type: resource.resourceType,
      properties: resource.synthesizeProperties(),
      role: Roles.of(resource),
    }));
  return {
    subjects,
    ofType: (type) => subjects.filter((s) => s.type === type),
    withRole: (role) => subjects.filter((s) => s.role?.role === role),
  };
}
