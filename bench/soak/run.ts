import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseSoakOptions, SOAK_USAGE, type SoakOptions } from './options.ts';
import { createSoakProject } from './project.ts';
import { Soak } from './soak.ts';
import { formatSummary } from './summary.ts';

/**
 * `npm run soak -- --seconds N --seed S`: the fault soak (see README "Soak").
 * Loopback only: the emulator serves 127.0.0.1 from this process, and the
 * CLI runs it spawns use it as the project's embedded emulator. Exit 0 when
 * every round converged with every invariant holding, 1 on a violation (with
 * the seed and the command that replays it), 2 on a usage error.
 */
async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseSoakOptions(argv, () => randomInt(2 ** 31 - 1));
  if ('help' in parsed) {
    console.log(parsed.help);
    return 0;
  }
  if ('error' in parsed) {
    console.error(`soak: ${parsed.error}\n\n${SOAK_USAGE}`);
    return 2;
  }
  const options: SoakOptions = parsed.options;
  const project = createSoakProject();
  const started = Date.now();
  console.log(
    `soak: seed ${options.seed}, ${options.seconds} s${options.rounds ? `, ${options.rounds} rounds at most` : ''}, latency scale ${options.latencyScale}, guests off (PVECDK_GUESTS=off), project ${project.dir}`,
  );
  const soak = await Soak.start(options, project, (line) => console.log(`  ${line}`));
  let outcome: Awaited<ReturnType<Soak['run']>>;
  try {
    outcome = await soak.run();
  } finally {
    await soak.close();
  }
  console.log(
    formatSummary({
      options,
      tally: soak.tally,
      faults: soak.faultsByKind(),
      violations: outcome.violations,
      failedRound: outcome.violations.length ? outcome.round : undefined,
      seconds: Math.round((Date.now() - started) / 1000),
      projectDir: project.dir,
    }),
  );
  if (outcome.violations.length === 0 && !options.keep) rmSync(project.dir, { recursive: true, force: true });
  return outcome.violations.length ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
