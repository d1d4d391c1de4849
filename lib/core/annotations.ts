import type { IConstruct } from 'constructs';
import type { SynthErrorCode } from './errors.ts';

/** One finding about a construct: an error fails synthesis, a warning is printed. */
export interface Annotation {
  /** An `error` fails synthesis; a `warning` is printed. */
  readonly level: 'error' | 'warning';
  /** The construct path it is about. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /**
   * What to do about it.
   * @default - no hint
   */
  readonly hint?: string;
  /**
   * The policy or check that raised it, e.g. `PVECDK-NO-WAN-RDP`.
   * @default - none: not raised by a named rule
   */
  readonly rule?: string;
  /**
   * The error code it is reported with (docs/errors.md).
   * @default - SYNTH_POLICY with a rule, else SYNTH_CONSTRUCT_ERROR
   */
  readonly code?: SynthErrorCode;
}

/** A recorded decision to accept what a rule would otherwise reject. */
export interface Acknowledgement {
  /** The rule accepted, e.g. `PVECDK-NO-WAN-RDP`. */
  readonly rule: string;
  /** The construct the acknowledgement was made on; it covers everything below it. */
  readonly path: string;
  /** Why the exception is safe (at least 10 characters), written into the plan. */
  readonly reason: string;
}

/** What may come with an error or warning besides its message. */
interface AnnotationOptions {
  /**
   * What to do about it.
   * @default - no hint
   */
  readonly hint?: string;
  /**
   * The policy or check raising it, e.g. `PVECDK-NO-WAN-RDP`.
   * @default - none: not raised by a named rule
   */
  readonly rule?: string;
  /**
   * The error code to report it with (docs/errors.md).
   * @default - SYNTH_POLICY with a rule, else SYNTH_CONSTRUCT_ERROR
   */
  readonly code?: SynthErrorCode;
}

/** A finding a rule made that an acknowledgement accepted: synth and diff list it. */
export interface AcknowledgedFinding {
  /** The construct path the finding is about. */
  readonly path: string;
  /** The rule's id. */
  readonly rule: string;
  /** What the rule found. */
  readonly message: string;
  /** The acknowledgement that accepted it (its path may be an ancestor's). */
  readonly acknowledgement: Acknowledgement;
}

interface AnnotationStore {
  readonly annotations: Annotation[];
  readonly acknowledgements: Map<string, string>;
  readonly acknowledged: AcknowledgedFinding[];
}

const stores = new WeakMap<IConstruct, AnnotationStore>();

function storeOf(scope: IConstruct): AnnotationStore {
  let store = stores.get(scope);
  if (!store) {
    store = { annotations: [], acknowledgements: new Map(), acknowledged: [] };
    stores.set(scope, store);
  }
  return store;
}

/**
 * Errors, warnings and acknowledgements attached to constructs. Errors are
 * collected over the whole tree and reported together at synth, each with its
 * construct path.
 */
export class Annotations {
  static of(scope: IConstruct): Annotations {
    return new Annotations(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /** An error on this construct: synthesis fails, listing it with the construct path. */
  addError(message: string, options: AnnotationOptions = {}): void {
    this.add('error', message, options);
  }

  /** A warning on this construct, printed at synthesis. */
  addWarning(message: string, options: AnnotationOptions = {}): void {
    this.add('warning', message, options);
  }

  /**
   * Accept what rule `rule` reports on this construct and everything below it.
   * The reason is required and is written into the plan, so the exception is
   * visible in review.
   */
  acknowledge(rule: string, reason: string): void {
    if (reason.trim().length < 10) {
      this.addError(`acknowledgement of ${rule} needs a reason of at least 10 characters`, {
        hint: `Annotations.of(construct).acknowledge('${rule}', 'why this exception is safe')`,
      });
      return;
    }
    storeOf(this.scope).acknowledgements.set(rule, reason.trim());
  }

  /** The acknowledgement of `rule` on this construct or its nearest acknowledging ancestor. */
  acknowledgementOf(rule: string): Acknowledgement | undefined {
    for (let c: IConstruct | undefined = this.scope; c; c = c.node.scope) {
      const reason = stores.get(c)?.acknowledgements.get(rule);
      if (reason !== undefined) return { rule, path: c.node.path, reason };
    }
    return undefined;
  }

  /** Acknowledgements made directly on this construct. */
  get acknowledgements(): Acknowledgement[] {
    const own = stores.get(this.scope)?.acknowledgements ?? new Map<string, string>();
    return [...own].map(([rule, reason]) => ({ rule, reason, path: this.scope.node.path }));
  }

  /** Records that a finding of `rule` on this construct was accepted by `acknowledgement`. */
  addAcknowledgedFinding(rule: string, message: string, acknowledgement: Acknowledgement): void {
    const list = storeOf(this.scope).acknowledged;
    if (list.some((f) => f.rule === rule && f.message === message)) return;
    list.push({ path: this.scope.node.path, rule, message, acknowledgement });
  }

  /** Findings on this construct that an acknowledgement accepted. */
  get acknowledgedFindings(): readonly AcknowledgedFinding[] {
    return stores.get(this.scope)?.acknowledged ?? [];
  }

  /** Annotations attached directly to this construct. */
  get all(): readonly Annotation[] {
    return stores.get(this.scope)?.annotations ?? [];
  }

  private add(level: Annotation['level'], message: string, options: AnnotationOptions): void {
    const entry: Annotation = { level, path: this.scope.node.path, message, ...options };
    const list = storeOf(this.scope).annotations;
    // Aspects may run more than once on a tree; one finding is reported once.
    if (!list.some((a) => a.level === level && a.message === message && a.rule === entry.rule)) {
      list.push(entry);
    }
  }
}
