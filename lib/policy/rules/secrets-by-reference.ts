import type { PolicyFinding, PolicyRule } from '../policy-rule.ts';

/** Property names (snake_case, as in the plan) that hold secrets wherever they appear. */
const SECRET_KEY =
  /(^|_)(password|passwd|cipassword|secret|private_key|preshared_key|psk|passphrase|token_value)$/;

/**
 * A secret is always a reference (`SecretValue`), never a literal: this
 * catches literals that bypass the typed props, such as escape-hatch
 * overrides or hand-built resources.
 */
export const secretsByReference: PolicyRule = {
  id: 'PVECDK-SECRETS-BY-REFERENCE',
  title: 'Secrets are given by reference only, never as literal values',
  check(context) {
    const findings: PolicyFinding[] = [];
    for (const s of context.subjects) {
      const walk = (value: unknown, path: string): void => {
        if (Array.isArray(value)) {
          value.forEach((v, i) => {
            walk(v, `${path}[${i}]`);
          });
          return;
        }
        if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype)
          return;
        for (const [key, v] of Object.entries(value)) {
          const here = path ? `${path}.${key}` : key;
          if (SECRET_KEY.test(key) && typeof v === 'string' && v !== '') {
            findings.push({
              construct: s.resource,
              message: `${s.type} property ${here} holds a literal secret`,
              hint: 'use SecretValue.env(NAME), SecretValue.file(path) or SecretValue.generated(name)',
            });
          } else {
            walk(v, here);
          }
        }
      };
      walk(s.properties, '');
    }
    return findings;
  },
};
