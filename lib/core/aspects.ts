import type { IConstruct } from 'constructs';

/** A visitor applied to every construct below the scope it was added to, before synthesis. */
export interface IAspect {
  visit(node: IConstruct): void;
}

const aspectsOf = new WeakMap<IConstruct, IAspect[]>();
const invoked = new WeakMap<IConstruct, Set<IAspect>>();

export class Aspects {
  static of(scope: IConstruct): Aspects {
    return new Aspects(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  add(aspect: IAspect): void {
    const list = aspectsOf.get(this.scope) ?? [];
    if (!list.includes(aspect)) list.push(aspect);
    aspectsOf.set(this.scope, list);
  }

  get all(): readonly IAspect[] {
    return aspectsOf.get(this.scope) ?? [];
  }
}

/**
 * Visits the tree top-down, applying to each construct the aspects of its
 * ancestors and its own, each at most once per construct, so that synthesizing
 * twice does not apply an aspect twice. Children are read after their parent
 * is visited, so constructs an aspect adds are visited too.
 */
export function invokeAspects(root: IConstruct): void {
  const visit = (node: IConstruct, inherited: readonly IAspect[]): void => {
    const all = [...inherited, ...(aspectsOf.get(node) ?? [])];
    const done = invoked.get(node) ?? new Set<IAspect>();
    invoked.set(node, done);
    for (const aspect of all) {
      if (done.has(aspect)) continue;
      aspect.visit(node);
      done.add(aspect);
    }
    for (const child of node.node.children) visit(child, all);
  };
  visit(root, []);
}
