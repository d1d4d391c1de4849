import { Construct, type IConstruct } from 'constructs';
import { SynthError } from './errors.ts';
import { callerFiles } from './private/caller-files.ts';
import { recordCreation } from './private/creation-trace.ts';
import { logicalIdFromPath } from './private/logical-id.ts';
import type { Resource } from './resource.ts';

const STACK_SYMBOL = Symbol.for('pvecdk.Stack');
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

export interface StackProps {
  /**
   * The configured remote (cluster) this stack deploys to.
   * @default - the context value `remote`, else `'default'`
   */
  readonly remote?: string;
  /**
   * What the stack is, written into its plan.
   * @default - none
   */
  readonly description?: string;
}

/**
 * A unit of deployment: one plan file, one state file, deployed to one remote.
 * Stacks depend on each other explicitly or through cross-stack references.
 */
export class Stack extends Construct {
  static isStack(x: unknown): x is Stack {
    return typeof x === 'object' && x !== null && STACK_SYMBOL in x;
  }

  /** The stack a construct belongs to. */
  static of(construct: IConstruct): Stack {
    for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
      if (Stack.isStack(c)) return c;
    }
    throw new SynthError(
      'SYNTH_NOT_IN_STACK',
      `${construct.node.path || construct.node.id}: is not inside a Stack`,
      'create resources and constructs under a Stack: new Stack(app, "name"), then new Thing(stack, "Id", ...)',
    );
  }

  readonly remote: string;
  readonly description: string | undefined;
  /** Files on the call stack when this stack was created; the CLI uses them to find a file's stacks. */
  readonly creationFiles: readonly string[];
  private readonly stackDependencies = new Map<Stack, string>();
  private readonly logicalIds = new Map<Resource, string>();
  private readonly valueUses: {
    readonly by: Resource;
    readonly property: string;
    readonly used: IConstruct;
  }[] = [];

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id);
    Object.defineProperty(this, STACK_SYMBOL, { value: true });
    recordCreation(this);
    if (!STACK_NAME.test(id)) {
      throw new SynthError(
        'SYNTH_INVALID_ID',
        `Stack '${id}': a stack name must start with a letter and hold only letters, digits and '-' (at most 63)`,
        'stack names become file names and cross-stack reference prefixes',
      );
    }
    const contextRemote = this.node.tryGetContext('remote');
    this.remote = props.remote ?? (typeof contextRemote === 'string' ? contextRemote : 'default');
    this.description = props.description;
    this.creationFiles = callerFiles();
  }

  get stackName(): string {
    return this.node.id;
  }

  /** Deploy `other` before this stack. */
  addDependency(other: Stack, reason = 'explicit'): void {
    if (other === this) return;
    if (!this.stackDependencies.has(other)) this.stackDependencies.set(other, reason);
  }

  /**
   * Records that `by` (a resource of this stack) holds in `property` (its plan key) a value taken
   * from `used`, a construct of another stack, without a reference: the plan lists it under
   * `uses`, so destroying the other stack warns that this one still points at it. Uses inside
   * this stack are not recorded.
   */
  recordUse(by: Resource, property: string, used: IConstruct): void {
    if (Stack.of(used) === this) return;
    this.valueUses.push({ by, property, used });
  }

  /** What `recordUse` recorded: the resource, its plan key, and the other stack's construct. */
  get uses(): readonly { readonly by: Resource; readonly property: string; readonly used: IConstruct }[] {
    return this.valueUses;
  }

  get dependencies(): readonly Stack[] {
    return [...this.stackDependencies.keys()];
  }

  /** The logical id of a resource of this stack, stable from its path below the stack. */
  allocateLogicalId(resource: Resource): string {
    let id = this.logicalIds.get(resource);
    if (!id) {
      const below = resource.node.scopes.slice(resource.node.scopes.indexOf(this) + 1).map((c) => c.node.id);
      id = logicalIdFromPath(below);
      this.logicalIds.set(resource, id);
    }
    return id;
  }
}
