import { describe, expect, it } from 'vitest';
import { changedHunks, lineDiff } from '../../../lib/cli/output/line-diff.ts';

describe('line diff', () => {
  it('GIVEN a text with a line added and one changed WHEN diffed THEN kept lines stay in order and only the changes are marked', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'B', 'c', 'd'])).toEqual([
      { op: ' ', line: 'a' },
      { op: '+', line: 'B' },
      { op: '-', line: 'b' },
      { op: ' ', line: 'c' },
      { op: '+', line: 'd' },
    ]);
  });

  it('GIVEN a long text with one change WHEN shown as hunks THEN one kept line of context surrounds it and the rest folds into …', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7'];
    const after = ['1', '2', '3', 'four', '5', '6', '7'];
    expect(changedHunks(lineDiff(before, after))).toEqual(['  …', '  3', '+ four', '- 4', '  5', '  …']);
  });
});
