import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_ERROR_CODES } from '../lib/cli/errors.ts';
import { SYNTH_ERROR_CODES } from '../lib/core/errors.ts';
import { ENGINE_ERROR_CODES } from '../lib/engine/engine-errors.ts';
import { PLAN_ERROR_CODES } from '../lib/engine/plan-errors.ts';
import { SECRET_ERROR_CODES } from '../lib/engine/secrets/secret-errors.ts';
import { PVE_ERROR_CODES } from '../lib/pve/errors.ts';
import { SSH_ERROR_CODES } from '../lib/ssh/ssh-errors.ts';

/** `## Heading` → { CODE: meaning } from the tables of docs/errors.md. */
function documentedSections(): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8').split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = {};
      sections.set(heading[1]!.trim(), current);
      continue;
    }
    const row = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (row && current) current[row[1]!] = row[2]!;
  }
  return sections;
}

describe('error catalogue (docs/errors.md)', () => {
  const sections = documentedSections();

  it.each([
    ['Synthesis', SYNTH_ERROR_CODES],
    ['Command line', CLI_ERROR_CODES],
    ['Plans', PLAN_ERROR_CODES],
    ['PVE client', PVE_ERROR_CODES],
    ['Secrets', SECRET_ERROR_CODES],
    ['Engine', ENGINE_ERROR_CODES],
    ['SSH', SSH_ERROR_CODES],
  ] as const)(
    'GIVEN the %s codes in the code WHEN compared with the doc THEN they match code for code and word for word',
    (section, codes) => {
      expect(sections.get(section)).toEqual({ ...codes });
    },
  );

  it('GIVEN every section WHEN codes are collected THEN no code is documented twice', () => {
    const all = [...sections.values()].flatMap((s) => Object.keys(s));
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all).size).toBe(all.length);
  });
});
