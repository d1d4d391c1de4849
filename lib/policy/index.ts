export { PLATFORM_POLICY_RULES, PlatformPolicies } from './platform-policies.ts';
export type { PolicyContext, PolicyFinding, PolicyRule, PolicySubject } from './policy-rule.ts';
