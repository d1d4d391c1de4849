import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../lib/cli/usage.ts';

const README = new URL('../README.md', import.meta.url);
const HEADING = '## CLI reference';

/** The first fenced block of the README section `heading`, or undefined when there is none. */
function firstFencedBlock(markdown: string, heading: string): string | undefined {
  const start = markdown.split('\n').indexOf(heading);
  if (start < 0) return undefined;
  const lines = markdown.split('\n').slice(start + 1);
  const end = lines.findIndex((l) => l.startsWith('## '));
  const section = end < 0 ? lines : lines.slice(0, end);
  const open = section.findIndex((l) => l.startsWith('```'));
  if (open < 0) return undefined;
  const close = section.findIndex((l, i) => i > open && l.startsWith('```'));
  return close < 0 ? undefined : section.slice(open + 1, close).join('\n');
}

describe("README's CLI reference", () => {
  it('GIVEN the usage text of `pvecdk help` WHEN compared with the fenced block of the README section "CLI reference" THEN they are the same', () => {
    const block = firstFencedBlock(readFileSync(README, 'utf8'), HEADING);
    expect(
      block,
      `README.md has no fenced block under '${HEADING}': add one holding USAGE of lib/cli/usage.ts`,
    ).toBeDefined();
    const readmeLines = block!.split('\n');
    const usageLines = USAGE.split('\n');
    const onlyInUsage = usageLines.filter((l) => !readmeLines.includes(l));
    const onlyInReadme = readmeLines.filter((l) => !usageLines.includes(l));
    expect(
      block,
      `README.md's '${HEADING}' block differs from USAGE in lib/cli/usage.ts (what \`pvecdk help\` prints). ` +
        'Copy USAGE into that block when the CLI changed (and update the notes below it), or fix USAGE.\n' +
        `only in USAGE:\n${onlyInUsage.map((l) => `  | ${l}`).join('\n')}\n` +
        `only in README.md:\n${onlyInReadme.map((l) => `  | ${l}`).join('\n')}\n`,
    ).toBe(USAGE);
  });

  it('GIVEN a section WHEN its fenced block is looked up THEN the block of that section is found, and none for a section without one', () => {
    const md = [
      '# t',
      '## A',
      'text',
      '```sh',
      'a',
      '```',
      '## CLI reference',
      'x',
      '```',
      'b',
      '',
      'c',
      '```',
    ].join('\n');
    expect(firstFencedBlock(md, HEADING)).toBe('b\n\nc');
    expect(firstFencedBlock(`${md}\n## B\nno block`, '## B')).toBeUndefined();
    expect(firstFencedBlock(md, '## Missing')).toBeUndefined();
  });
});
