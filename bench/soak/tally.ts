export type OperationKind = 'create' | 'modify' | 'destroy';
/** ok, failed (non-zero exit under faults), killed (SIGKILLed by the soak), hung (past the CLI timeout). */
export type OperationOutcome = 'ok' | 'failed' | 'killed' | 'hung';

/** What a soak did, for its summary. */
export class SoakTally {
  rounds = 0;
  readonly operations: Record<OperationKind, number> = { create: 0, modify: 0, destroy: 0 };
  readonly outcomes: Record<OperationOutcome, number> = { ok: 0, failed: 0, killed: 0, hung: 0 };
  /** Failed or killed operations whose round then converged with every invariant holding. */
  recoveredFailures = 0;

  operation(kind: OperationKind, outcome: OperationOutcome): void {
    this.operations[kind] += 1;
    this.outcomes[outcome] += 1;
  }

  recovered(count: number): void {
    this.recoveredFailures += count;
  }
}
