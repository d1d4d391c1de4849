/** One measured figure of a benchmark, against a baseline measured in the same run. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  /** value / baseline: how the measured figure compares with the baseline of the same run. */
  readonly ratio: number;
  readonly note: string;
  /** A goal this figure checks, stated in words so a failure explains itself. */
  readonly goal?: { readonly text: string; readonly met: boolean };
}

/** What a selectable part of the bench hands back: its figures, and the data behind them for the JSON file. */
export interface BenchPartResult {
  readonly results: readonly BenchResult[];
  readonly details?: unknown;
}

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));
