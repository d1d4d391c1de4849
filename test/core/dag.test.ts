import { describe, expect, it } from 'vitest';
import { dependencyOrder, findCycles, missingDependencies, reversed } from '../../lib/core/private/dag.ts';

const graph = [
  { id: 'acme', dependsOn: ['platform'] },
  { id: 'globex', dependsOn: ['acme', 'platform'] },
  { id: 'platform', dependsOn: [] },
  { id: 'lab', dependsOn: [] },
];

describe('dag', () => {
  it('GIVEN stacks WHEN ordered THEN each comes after what it depends on, ties by id, only what the roots reach', () => {
    expect(dependencyOrder(graph)).toEqual(['platform', 'acme', 'globex', 'lab']);
    expect(dependencyOrder(graph, ['globex'])).toEqual(['platform', 'acme', 'globex']);
    expect(dependencyOrder(graph, ['acme'])).toEqual(['platform', 'acme']);
  });

  it('GIVEN a cycle and a dangling dependency WHEN checked THEN both are named', () => {
    const bad = [
      { id: 'a', dependsOn: ['b'] },
      { id: 'b', dependsOn: ['a', 'ghost'] },
    ];
    expect(findCycles(bad)).toEqual([['a', 'b', 'a']]);
    expect(missingDependencies(bad)).toEqual([{ id: 'b', missing: 'ghost' }]);
    expect(findCycles(graph)).toEqual([]);
    // A cycle is cut where it closes: ordering still ends.
    expect(dependencyOrder(bad)).toEqual(['b', 'a']);
  });

  it('GIVEN a graph WHEN reversed THEN dependants come first and the payload is kept', () => {
    const back = reversed(graph.map((n) => ({ ...n, payload: n.id.length })));
    expect(back.find((n) => n.id === 'platform')).toEqual({
      id: 'platform',
      dependsOn: ['acme', 'globex'],
      payload: 8,
    });
    expect(dependencyOrder(back)).toEqual(['globex', 'acme', 'lab', 'platform']);
  });
});
