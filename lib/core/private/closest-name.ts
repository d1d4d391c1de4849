/**
 * "Did you mean ...?": a misspelt prop, rule id or server name is matched to
 * the known name nearest to it.
 */

/**
 * The known key nearest to `key` by edit distance, when it is near enough to
 * be a slip (a third of the key's length at most, at least one edit): case
 * differences count half an edit (`memoryMib` finds `memoryMiB`), two swapped
 * letters one (`coers` finds `cores`).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key, name);
    if (!best || distance < best.distance || (distance === best.distance && name < best.name))
      best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.name : undefined;
}

/**
 * Edit distance (optimal string alignment: an insertion, deletion, change or
 * swap of two neighbours is one edit), where a change of letter case alone
 * costs half.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const x = a[i - 1]!;
      const y = b[j - 1]!;
      const change = x === y ? 0 : x.toLowerCase() === y.toLowerCase() ? 0.5 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + change);
      if (i > 1 && j > 1 && x === b[j - 2] && a[i - 2] === y) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
