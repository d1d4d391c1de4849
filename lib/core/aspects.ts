import type { IConstruct } from 'constructs';

/** A visitor applied to every construct below the scope it was added to, before synthesis. */
export interface IAspect {
  /** Called once for each construct below the scope (the scope included), parents before children. */
  visit(node: IConstruct): void;
}

/**
 * When an aspect runs relative to others: every aspect of a lower priority has
 * visited the whole tree before any of a higher one starts, so read-only
 * checks (policies) see what mutating aspects made.
 */
export const AspectPriority = {
  MUTATING: 200,
  DEFAULT: 500,
  READONLY: 1000,
} as const;

interface AspectEntry {
  readonly aspect: IAspect;
  readonly priority: number;
}

const aspectsOf = new WeakMap<IConstruct, AspectEntry[]>();
const invoked = new WeakMap<IConstruct, Set<IAspect>>();

export class Aspects {
  static of(scope: IConstruct): Aspects {
    return new Aspects(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /** Apply `aspect` to this scope and everything below it at synthesis. */
  add(
    aspect: IAspect,
    options: {
      /**
       * When it runs: every aspect of a lower priority visits the whole tree first (AspectPriority).
       * @default AspectPriority.DEFAULT (500)
       */
      priority?: number;
    } = {},
  ): void {
    const list = aspectsOf.get(this.scope) ?? [];
    if (!list.some((e) => e.aspect === aspect)) {
      list.push({ aspect, priority: options.priority ?? AspectPriority.DEFAULT });
    }
    aspectsOf.set(this.scope, list);
  }

  get all(): readonly IAspect[] {
    return (aspectsOf.get(this.scope) ?? []).map((e) => e.aspect);
  }
}

/**
 * Visits the tree top-down once per priority band, lowest first, applying to
 * each construct the aspects of its ancestors and its own, each at most once
 * per construct, so that synthesizing twice does not apply an aspect twice.
 * Children are read after their parent is visited, so constructs an aspect
 * adds are visited too.
 */
export function invokeAspects(root: IConstruct): void {
  const priorities = new Set<number>();
  const collect = (node: IConstruct): void => {
    for (const e of aspectsOf.get(node) ?? []) priorities.add(e.priority);
    for (const child of node.node.children) collect(child);
  };
  collect(root);

  for (const band of [...priorities].sort((a, b) => a - b)) {
    const visit = (node: IConstruct, inherited: readonly AspectEntry[]): void => {
      const all = [...inherited, ...(aspectsOf.get(node) ?? [])];
      const done = invoked.get(node) ?? new Set<IAspect>();
      invoked.set(node, done);
      for (const { aspect, priority } of all) {
        if (priority !== band || done.has(aspect)) continue;
        aspect.visit(node);
        done.add(aspect);
      }
      for (const child of node.node.children) visit(child, all);
    };
    visit(root, []);
  }
}
