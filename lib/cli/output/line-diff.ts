/** One line of a line diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly line: string;
}

/** Past this many cells the longest-common-subsequence table is not built: every line shows as replaced. */
const MAX_CELLS = 4_000_000;

/** The lines of `before` and `after` in order, each kept, removed or added (a longest common subsequence). */
export function lineDiff(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_CELLS)
    return [
      ...before.map((line) => ({ op: '-' as const, line })),
      ...after.map((line) => ({ op: '+' as const, line })),
    ];
  // common[i][j]: the longest common subsequence of before[i..] and after[j..].
  const common = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      common[i]![j] =
        before[i] === after[j]
          ? common[i + 1]![j + 1]! + 1
          : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ op: ' ', line: before[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || common[i]![j + 1]! >= common[i + 1]![j]!)) {
      out.push({ op: '+', line: after[j]! });
      j++;
    } else {
      out.push({ op: '-', line: before[i]! });
      i++;
    }
  }
  return out;
}

/**
 * The changed lines with `context` kept lines around each; runs of more
 * than one kept line left out become one `…` line.
 */
export function changedHunks(diff: readonly DiffLine[], context = 1): string[] {
  const near = diff.map((_, k) =>
    diff.slice(Math.max(0, k - context), k + context + 1).some((d) => d.op !== ' '),
  );
  const out: string[] = [];
  for (let k = 0; k < diff.length; ) {
    let end = k;
    while (end < diff.length && !near[end]) end++;
    // A single far line costs no more than the fold that would replace it.
    if (end - k > 1) out.push('  …');
    else if (end - k === 1) out.push(`  ${diff[k]!.line}`);
    if (end < diff.length) out.push(`${diff[end]!.op} ${diff[end]!.line}`);
    k = end + 1;
  }
  return out;
}
