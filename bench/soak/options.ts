import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface SoakOptions {
  /** No round starts after this many seconds (a round under way finishes). */
  readonly seconds: number;
  /** Every random choice (customers, changes, faults, kill points) comes from it. */
  readonly seed: number;
  /** Stop after this many rounds: with the seed, replays a failing run up to its failing round. */
  readonly rounds: number | undefined;
  /** The emulator's task latencies (1 is realistic). */
  readonly latencyScale: number;
  /** Live customers at most. */
  readonly maxCustomers: number;
  /** Some rounds run their operations at once (separate CLI processes side by side). */
  readonly parallel: boolean;
  /** Keep the temporary project even when nothing failed. */
  readonly keep: boolean;
}

export const SOAK_USAGE = `npm run soak -- [--seconds N] [--seed S] [--rounds N] [--latency-scale X] [--max-customers N]
                    [--parallel] [--keep]

  --seconds N         start rounds for N seconds (default 60)
  --seed S            the seed (default: a random one, printed); the same seed replays the same
                      customers, changes, faults and kill points
  --rounds N          stop after N rounds (with --seed, replays a run up to its failing round)
  --latency-scale X   emulator task latencies (default 0.02; 1 is realistic)
  --max-customers N   live customers at most (default 5)
  --parallel          run the operations of some rounds at once, as operators working side by side
  --keep              keep the temporary project (kept anyway when an invariant breaks)`;

const OptionsSchema = z.strictObject({
  seconds: z.coerce.number().int().min(1).max(86_400).default(60),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  rounds: z.coerce.number().int().min(1).max(100_000).optional(),
  'latency-scale': z.coerce.number().min(0).max(1).default(0.02),
  'max-customers': z.coerce.number().int().min(1).max(50).default(5),
  parallel: z.boolean().default(false),
  keep: z.boolean().default(false),
  help: z.boolean().default(false),
});

/** Parses the soak's arguments; `help` or a usage error come back as text to print. */
export function parseSoakOptions(
  argv: readonly string[],
  randomSeed: () => number,
): { options: SoakOptions } | { help: string } | { error: string } {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        seconds: { type: 'string' },
        seed: { type: 'string' },
        rounds: { type: 'string' },
        'latency-scale': { type: 'string' },
        'max-customers': { type: 'string' },
        parallel: { type: 'boolean' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return { error: (e as Error).message };
  }
  const parsed = OptionsSchema.safeParse(values);
  if (!parsed.success)
    return { error: parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n') };
  const o = parsed.data;
  if (o.help) return { help: SOAK_USAGE };
  return {
    options: {
      seconds: o.seconds,
      seed: o.seed ?? randomSeed(),
      rounds: o.rounds,
      latencyScale: o['latency-scale'],
      maxCustomers: o['max-customers'],
      parallel: o.parallel,
      keep: o.keep,
    },
  };
}
