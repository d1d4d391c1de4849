import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLATFORM_POLICY_RULES } from '../../lib/policy/index.ts';

describe('policy catalogue (docs/policies.md)', () => {
  it('GIVEN the rules in the code WHEN compared with the doc table THEN ids and titles match one for one', () => {
    const doc = readFileSync(new URL('../../docs/policies.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\|\s*`(PVECDK-[A-Z-]+)`\s*\|\s*(.+?)\s*\|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(PLATFORM_POLICY_RULES.map((r) => [r.id, r.title]));
  });
});
