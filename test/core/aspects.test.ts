import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Construct, type IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  Annotations,
  App,
  AspectPriority,
  Aspects,
  type IAspect,
  Resource,
  Stack,
  ValidationError,
} from '../../lib/core/index.ts';
import { thing } from './test-contract.ts';

const newApp = () => new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-aspects-')) });

class Counter implements IAspect {
  readonly visits = new Map<string, number>();
  visit(node: IConstruct): void {
    this.visits.set(node.node.path, (this.visits.get(node.node.path) ?? 0) + 1);
  }
}

describe('aspects', () => {
  it('GIVEN an aspect on a stack WHEN synthesized twice THEN it visited each construct below exactly once', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    const other = new Stack(app, 'other');
    thing(new Construct(s, 'Group'), 'R');
    thing(other, 'R');
    const counter = new Counter();
    Aspects.of(s).add(counter);
    app.synth({ write: false });
    app.synth({ write: false });
    expect(Object.fromEntries(counter.visits)).toEqual({ s: 1, 's/Group': 1, 's/Group/R': 1 });
  });

  it('GIVEN an aspect that adds a construct WHEN synthesized THEN the new construct is visited and synthesized', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    const counter = new Counter();
    Aspects.of(app).add({
      visit(node) {
        if (node === s) thing(s, 'Added');
      },
    });
    Aspects.of(app).add(counter);
    const plan = app.synth({ write: false }).plans.get('s')!;
    expect(Object.values(plan.resources).map((r) => r.path)).toEqual(['s/Added']);
    expect(counter.visits.get('s/Added')).toBe(1);
  });

  it('GIVEN an aspect that mutates props WHEN synthesized THEN the plan reflects the mutation', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    const r = new Resource(s, 'Vm', {
      type: 'proxmox_virtual_environment_vm',
      properties: { nodeName: 'pve1', vmId: 100, tags: ['db'] },
    });
    Aspects.of(app).add({
      visit(node) {
        if (Resource.isResource(node)) (node.properties.tags as string[]).push('pvecdk');
      },
    });
    expect(app.synth({ write: false }).plans.get('s')!.resources[r.logicalId]!.properties.tags).toEqual([
      'db',
      'pvecdk',
    ]);
  });
});

describe('annotations', () => {
  it('GIVEN errors from an aspect on two constructs WHEN synthesized THEN both are reported with rule, and each issue keeps its hint', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    thing(s, 'A', { bad: true });
    thing(s, 'B', { bad: true });
    Aspects.of(app).add({
      visit(node) {
        if (Resource.isResource(node) && node.properties.bad === true) {
          Annotations.of(node).addError('bad resources are not allowed', {
            rule: 'TEST-RULE',
            hint: 'remove it',
          });
        }
      },
    });
    const thrown = (() => {
      try {
        app.synth({ write: false });
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown!.message).toMatch(
      /\[s\/A\] bad resources are not allowed \(TEST-RULE\)\n\s+\[s\/B\] bad resources/,
    );
    expect(thrown!.message).not.toContain('hint');
    expect(thrown!.issues.map((i) => [i.path, i.rule, i.hint])).toEqual([
      ['s/A', 'TEST-RULE', 'remove it'],
      ['s/B', 'TEST-RULE', 'remove it'],
    ]);
  });

  it('GIVEN an acknowledgement on a scope WHEN looked up below it and synthesized THEN it is found and recorded in the plan', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    const group = new Construct(s, 'Group');
    const r = thing(group, 'R');
    Annotations.of(group).acknowledge('PVECDK-TEST', 'accepted during migration week');
    expect(Annotations.of(r).acknowledgementOf('PVECDK-TEST')).toEqual({
      rule: 'PVECDK-TEST',
      path: 's/Group',
      reason: 'accepted during migration week',
    });
    expect(Annotations.of(s).acknowledgementOf('PVECDK-TEST')).toBeUndefined();
    expect(app.synth({ write: false }).plans.get('s')!.acknowledgements).toEqual([
      { rule: 'PVECDK-TEST', path: 's/Group', reason: 'accepted during migration week' },
    ]);
  });

  it('GIVEN an acknowledgement without a real reason WHEN synthesized THEN synth fails', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    Annotations.of(s).acknowledge('PVECDK-TEST', 'ok');
    expect(() => app.synth({ write: false })).toThrow(/needs a reason of at least 10 characters/);
  });

  it('GIVEN a warning WHEN synthesized THEN synth succeeds and returns it', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    Annotations.of(s).addWarning('no HA group configured');
    const assembly = app.synth({ write: false });
    expect(assembly.warnings).toEqual([{ level: 'warning', path: 's', message: 'no HA group configured' }]);
  });
});

describe('aspect priorities', () => {
  it('GIVEN a read-only aspect on the app and a mutating one deeper WHEN synthesized THEN the read-only one sees the mutation', () => {
    const app = newApp();
    const s = new Stack(app, 's');
    const seen: string[] = [];
    Aspects.of(app).add(
      {
        visit(node) {
          if (Resource.isResource(node)) seen.push(String(node.properties.tags));
        },
      },
      { priority: AspectPriority.READONLY },
    );
    thing(s, 'Vm', { tags: ['a'] });
    Aspects.of(s).add(
      {
        visit(node) {
          if (Resource.isResource(node)) (node.properties.tags as string[]).push('b');
        },
      },
      { priority: AspectPriority.MUTATING },
    );
    app.synth({ write: false });
    expect(seen).toEqual(['a,b']);
  });
});
