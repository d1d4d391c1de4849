import { PveClient } from '../../lib/pve/client.ts';
import { seededRandom } from '../../lib/sim/faults.ts';
import { type RunningEmulator, startEmulator } from '../../lib/sim/server.ts';
import { type CliRunResult, runSoakCli } from './cli-process.ts';
import { modifyCustomer, randomCustomer, type SoakCustomer } from './customers.ts';
import { NO_FAULTS, randomFaultPlan } from './fault-plans.ts';
import { checkInvariants, type Violation } from './invariants.ts';
import { observeFiles, observeVms } from './observe.ts';
import type { SoakOptions } from './options.ts';
import type { SoakProject } from './project.ts';
import { type OperationKind, type OperationOutcome, SoakTally } from './tally.ts';

/** One operator action of a round, as it ended. */
interface Operation {
  readonly kind: OperationKind;
  readonly customer: string;
  readonly outcome: OperationOutcome;
  readonly note: string;
}

/** The last line of a CLI run that says how it ended (its summary, or its error). */
export function lastSayingLine(output: string): string {
  const lines = output
    .split('\n')
    .filter((l) => /^(Deployed|Destroyed|error|Nothing|no changes)|failed/.test(l));
  return lines.at(-1)?.trim() ?? output.trim().split('\n').at(-1)?.trim() ?? '';
}

/** Why a run failed, in one line; empty when it succeeded or was killed. */
const failure = (run: CliRunResult): string => (run.code ? lastSayingLine(run.output) : '');

function outcomeOf(run: CliRunResult): OperationOutcome {
  if (run.timedOut) return 'hung';
  if (run.killed) return 'killed';
  return run.code === 0 ? 'ok' : 'failed';
}

/**
 * The soak: rounds of random operator actions (onboard a customer, change
 * one, destroy one) under injected faults and random SIGKILLs of the CLI;
 * after each round faults stop, a clean deploy runs, and the invariants are
 * checked. Stops at the first round with a violation (what follows would
 * only repeat it) or when the time or the round budget is spent.
 */
export class Soak {
  readonly tally = new SoakTally();
  private readonly random: () => number;
  private readonly customers = new Map<string, SoakCustomer>();
  /** Customers whose destroy did not finish: the clean phase destroys them. */
  private readonly destroying = new Set<string>();
  private seq = 0;

  private constructor(
    private readonly options: SoakOptions,
    private readonly project: SoakProject,
    private readonly emulator: RunningEmulator,
    private readonly client: PveClient,
    private readonly say: (line: string) => void,
  ) {
    this.random = seededRandom(options.seed);
  }

  static async start(options: SoakOptions, project: SoakProject, say: (line: string) => void): Promise<Soak> {
    // The project's embedded emulator, served from this process so faults are set and counted here;
    // every CLI run finds it as the emulator already serving .pvecdk/sim, as with `pvecdk sim`.
    const emulator = await startEmulator({
      port: 0,
      host: '127.0.0.1',
      dataDir: project.simDir,
      latencyScale: options.latencyScale,
      idleSeconds: 3600,
    });
    const client = new PveClient({
      hosts: [emulator.url],
      credentials: { tokenId: emulator.tokenId, tokenSecret: emulator.tokenSecret },
      tls: { fingerprint: emulator.fingerprint },
    });
    return new Soak(options, project, emulator, client, say);
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.emulator.close();
  }

  /** Runs rounds until the budget is spent or a round breaks an invariant; returns that round's violations. */
  async run(): Promise<{ violations: Violation[]; round: number }> {
    const deadline = Date.now() + this.options.seconds * 1000;
    const setup = await runSoakCli(this.project, ['deploy', 'stacks/platform.ts', '--yes']);
    if (setup.code !== 0)
      return {
        round: 0,
        violations: [
          {
            kind: 'not-converged',
            detail: `the platform's first deploy failed: ${lastSayingLine(setup.output)}`,
          },
        ],
      };
    let round = 0;
    while (Date.now() < deadline && (this.options.rounds === undefined || round < this.options.rounds)) {
      round += 1;
      const violations = await this.round(round);
      if (violations.length > 0) return { violations, round };
    }
    return { violations: [], round };
  }

  private async round(round: number): Promise<Violation[]> {
    const count = 1 + Math.floor(this.random() * 3);
    // With --parallel, some rounds run their operations at once: operators onboarding and changing
    // customers side by side, sharing the platform stack (read under a shared lock) and the record.
    const together = this.options.parallel && count > 1 && this.random() < 0.5;
    const operations: Operation[] = [];
    if (together) {
      this.emulator.faults.configure(randomFaultPlan(this.random));
      const busy = new Set<string>();
      const started = Array.from({ length: count }, () => this.decide(busy, this.killPoint()));
      operations.push(...(await Promise.all(started.flatMap((start) => (start ? [start()] : [])))));
    } else {
      for (let i = 0; i < count; i++) {
        this.emulator.faults.configure(randomFaultPlan(this.random));
        const start = this.decide(new Set(), this.killPoint());
        if (start) operations.push(await start());
      }
    }
    this.emulator.faults.configure(NO_FAULTS);
    for (const op of operations) this.tally.operation(op.kind, op.outcome);
    const shown = operations.map(
      (o) => `${o.kind} ${o.customer} ${o.outcome}${o.note ? ` (${o.note})` : ''}`,
    );
    this.say(`round ${round}${together ? ' (at once)' : ''}: ${shown.join('; ')}`);

    const violations: Violation[] = operations
      .filter((o) => o.outcome === 'hung')
      .map((o) => ({
        kind: 'not-converged',
        detail: `${o.kind} ${o.customer} hung: killed after the soak's timeout`,
      }));
    violations.push(...(await this.recover()));
    if (violations.length === 0) this.tally.recovered(operations.filter((o) => o.outcome !== 'ok').length);
    this.tally.rounds = round;
    return violations;
  }

  /** Half of the runs are killed, anywhere from start-up to the last state write. */
  private killPoint(): number | undefined {
    return this.random() < 0.5 ? 300 + Math.floor(this.random() * 7_000) : undefined;
  }

  /**
   * Chooses the next operation and writes its stack file; the returned
   * function runs it (none when every customer is taken and no new one may
   * come). `busy` holds the customers other operations of the same batch
   * use, which this one leaves alone.
   */
  private decide(busy: Set<string>, killAfterMs: number | undefined): (() => Promise<Operation>) | undefined {
    const live = [...this.customers.keys()].filter((c) => !this.destroying.has(c) && !busy.has(c)).sort();
    const roll = this.random();
    const kind: OperationKind | 'none' =
      this.customers.size < this.options.maxCustomers && (live.length === 0 || roll < 0.4)
        ? 'create'
        : live.length === 0
          ? 'none'
          : roll < 0.75 || live.length < 2
            ? 'modify'
            : 'destroy';
    if (kind === 'none') return undefined;
    if (kind === 'create') {
      const used = new Set([...this.customers.values()].map((c) => c.number));
      let number = 1;
      while (used.has(number)) number += 1;
      this.seq += 1;
      const customer = randomCustomer(this.random, this.seq, number);
      this.customers.set(customer.name, customer);
      busy.add(customer.name);
      this.project.write(customer);
      return async () => {
        const run = await runSoakCli(
          this.project,
          ['deploy', this.project.fileOf(customer.name), '--yes'],
          killAfterMs,
        );
        return { kind, customer: customer.name, outcome: outcomeOf(run), note: failure(run) };
      };
    }
    const name = live[Math.floor(this.random() * live.length)]!;
    busy.add(name);
    if (kind === 'modify') {
      const { customer, change } = modifyCustomer(this.random, this.customers.get(name)!);
      this.customers.set(name, customer);
      this.project.write(customer);
      return async () => {
        const run = await runSoakCli(
          this.project,
          ['deploy', this.project.fileOf(name), '--yes'],
          killAfterMs,
        );
        const failed = failure(run);
        return {
          kind,
          customer: name,
          outcome: outcomeOf(run),
          note: failed ? `${change}: ${failed}` : change,
        };
      };
    }
    this.destroying.add(name);
    return async () => {
      const run = await this.destroy(name, killAfterMs);
      return { kind, customer: name, outcome: outcomeOf(run), note: failure(run) };
    };
  }

  /** Destroys a customer's stack; its file goes only once the destroy finished (the CLI needs it until then). */
  private async destroy(name: string, killAfterMs: number | undefined): Promise<CliRunResult> {
    this.destroying.add(name);
    const run = await runSoakCli(
      this.project,
      ['destroy', this.project.fileOf(name), '--allow-destroy-data', '--yes'],
      killAfterMs,
    );
    if (run.code === 0) {
      this.project.remove(name);
      this.customers.delete(name);
      this.destroying.delete(name);
    }
    return run;
  }

  /** Faults off: finish what was being destroyed, deploy every stack file, then check everything. */
  private async recover(): Promise<Violation[]> {
    const violations: Violation[] = [];
    for (const name of [...this.destroying].sort()) {
      const run = await this.destroy(name, undefined);
      if (run.code !== 0)
        violations.push({
          kind: 'not-converged',
          detail: `destroy of ${name} failed with faults off: ${lastSayingLine(run.output)}`,
        });
    }
    const clean = await runSoakCli(this.project, ['deploy', '--all', '--yes']);
    if (clean.code !== 0)
      violations.push({
        kind: 'not-converged',
        detail: `the clean deploy of every stack file failed with faults off: ${lastSayingLine(clean.output)}`,
      });
    if (violations.length > 0) return violations;

    const writes = this.emulator.emulator.stats.writes;
    const again = await runSoakCli(this.project, ['deploy', '--all', '--yes']);
    const redeployWrites = this.emulator.emulator.stats.writes - writes;
    const diff = await runSoakCli(this.project, ['diff', '--all', '--fail']);
    const vms = await observeVms(this.client);
    const files = observeFiles(this.project, this.emulator.tokenSecret);
    // What the checks looked at, so a run shows they had something to look at.
    this.say(
      `  checked ${vms.length} VMs, ${files.stateFiles.length} state files, ${files.locks.length} stack locks, ${files.secrets.length} secrets in ${files.texts.length} files`,
    );
    return checkInvariants({
      vms,
      ...files,
      convergence: {
        redeployExit: again.code,
        redeploySummary: lastSayingLine(again.output),
        redeployWrites,
        diffExit: diff.code,
      },
      liveStacks: ['platform', ...this.customers.keys()],
    });
  }

  /** Requests and tasks the emulator failed on purpose, by kind. */
  faultsByKind(): Record<string, number> {
    const injected = this.emulator.faults.injected;
    return { ...injected.byKind, 'task-failure': injected.tasks };
  }
}
