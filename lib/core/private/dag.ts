/**
 * Directed acyclic graphs of ids, as synthesis (stacks) and the engine
 * (stacks, resources, actions) both use them: one place for dependency
 * order, cycles, missing nodes and reversal, so every caller agrees.
 */
export interface DagNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/** Dependencies that name no node of the graph, as `id → missing`. */
export function missingDependencies(nodes: readonly DagNode[]): Array<{ id: string; missing: string }> {
  const ids = new Set(nodes.map((n) => n.id));
  return nodes.flatMap((n) =>
    n.dependsOn.filter((d) => !ids.has(d)).map((missing) => ({ id: n.id, missing })),
  );
}

/**
 * Every cycle reachable in the graph, each as the path that closes it
 * (`a → b → a` is `['a', 'b', 'a']`), found in a stable order.
 */
export function findCycles(nodes: readonly DagNode[]): string[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    for (const d of [...(byId.get(id)?.dependsOn ?? [])].sort()) if (byId.has(d)) visit(d, [...trail, id]);
    state.set(id, 'done');
  };
  for (const id of [...byId.keys()].sort()) visit(id, []);
  return cycles;
}

/**
 * The ids reachable from `roots` (all nodes by default), each after what it
 * depends on, ties by id: a stable order for the same graph. Cycles must be
 * ruled out first (findCycles); a cycle is cut where it closes.
 */
export function dependencyOrder(nodes: readonly DagNode[], roots?: readonly string[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    for (const d of [...byId.get(id)!.dependsOn].sort()) visit(d);
    order.push(id);
  };
  for (const id of [...(roots ?? byId.keys())].sort()) visit(id);
  return order;
}

/** The same graph with every edge turned around: what depended on a node now comes before it. */
export function reversed<T extends DagNode>(nodes: readonly T[]): Array<T & { dependsOn: string[] }> {
  return nodes.map((n) => ({
    ...n,
    dependsOn: nodes
      .filter((m) => m.dependsOn.includes(n.id))
      .map((m) => m.id)
      .sort(),
  }));
}
