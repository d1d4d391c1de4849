import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestSchema, PlanSchema } from '../../lib/contract/index.ts';
import { App, Output, Resource, Stack, SynthError, ValidationError } from '../../lib/core/index.ts';
import { thing } from './test-contract.ts';

function twoStackApp(outdir: string) {
  const app = new App({ outdir });
  const platform = new Stack(app, 'platform', { remote: 'prod' });
  const acme = new Stack(app, 'acme', { remote: 'prod' });
  const template = new Resource(platform, 'Template', {
    type: 'proxmox_virtual_environment_vm',
    properties: { nodeName: 'pve1', vmId: 9000 },
  });
  const db = new Resource(acme, 'Db', {
    type: 'proxmox_virtual_environment_vm',
    properties: { nodeName: 'pve1', vmId: 1100, clone: { vmId: template.attr('vm_id'), full: true } },
  });
  return { app, platform, acme, template, db };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'pvecdk-synth-'));

describe('synthesis', () => {
  it('GIVEN the same app built twice WHEN synthesized to two folders THEN the files are byte-identical', () => {
    const a = tmp();
    const b = tmp();
    twoStackApp(a).app.synth();
    twoStackApp(b).app.synth();
    const files = readdirSync(a).sort();
    expect(files).toEqual(['acme.plan.json', 'manifest.json', 'platform.plan.json']);
    for (const f of files) expect(readFileSync(join(b, f))).toEqual(readFileSync(join(a, f)));
  });

  it('GIVEN an app WHEN synthesized THEN plan keys are sorted and the plan validates against the contract', () => {
    const out = tmp();
    twoStackApp(out).app.synth();
    const text = readFileSync(join(out, 'acme.plan.json'), 'utf8');
    const raw = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual([...Object.keys(raw)].sort());
    expect(PlanSchema.safeParse(raw).success).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(manifest.stacks.acme).toEqual({
      file: 'acme.plan.json',
      remote: 'prod',
      dependsOn: ['platform'],
      resourceCount: 1,
    });
  });

  it('GIVEN a reference to a resource of another stack WHEN synthesized THEN it becomes stack:id and adds the stack dependency', () => {
    const { app, template } = twoStackApp(tmp());
    const plans = app.synth({ write: false }).plans;
    const db = Object.values(plans.get('acme')!.resources)[0]!;
    expect(db.properties.clone).toEqual({
      full: true,
      vm_id: { ref: `platform:${template.logicalId}`, attr: 'vm_id' },
    });
    expect(db.dependsOn).toEqual([]);
    expect(plans.get('acme')!.dependsOn).toEqual(['platform']);
    expect(plans.get('platform')!.dependsOn).toEqual([]);
  });

  it('GIVEN a reference inside one stack WHEN synthesized THEN the referencing resource depends on the target', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 's');
    const pool = new Resource(s, 'Pool', {
      type: 'proxmox_virtual_environment_pool',
      properties: { poolId: 'acme' },
    });
    const vm = new Resource(s, 'Vm', {
      type: 'proxmox_virtual_environment_vm',
      properties: { nodeName: 'pve1', vmId: 100, poolId: pool.attr('pool_id') },
    });
    const extra = thing(s, 'Extra');
    vm.addDependency(extra);
    const plan = app.synth({ write: false }).plans.get('s')!;
    expect(plan.resources[vm.logicalId]!.dependsOn).toEqual([extra.logicalId, pool.logicalId].sort());
    expect(plan.resources[vm.logicalId]!.properties.pool_id).toEqual({
      ref: pool.logicalId,
      attr: 'pool_id',
    });
  });

  it('GIVEN camelCase props and an override WHEN synthesized THEN the plan has snake_case keys and the override', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 's');
    const r = new Resource(s, 'Vm', {
      type: 'proxmox_virtual_environment_vm',
      properties: {
        nodeName: 'pve1',
        vmId: 100,
        networkDevice: [{ macAddress: 'BC:24:11:00:00:01', bridge: 'vmbr1' }],
      },
    });
    r.addPropertyOverride('cpu.cores', 4);
    r.addPropertyOverride('name', 'web');
    r.addPropertyOverride('name', undefined);
    const props = app.synth({ write: false }).plans.get('s')!.resources[r.logicalId]!.properties;
    expect(props).toEqual({
      node_name: 'pve1',
      vm_id: 100,
      network_device: [{ mac_address: 'BC:24:11:00:00:01', bridge: 'vmbr1' }],
      cpu: { cores: 4 },
    });
  });

  it('GIVEN a critical resource WHEN synthesized THEN the plan marks it with its snapshot retention', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 's');
    const r = thing(s, 'Cfg');
    r.markCritical({ snapshotRetention: 5 });
    const entry = app.synth({ write: false }).plans.get('s')!.resources[r.logicalId]!;
    expect(entry.critical).toBe(true);
    expect(entry.snapshotRetention).toBe(5);
  });

  it('GIVEN outputs WHEN synthesized THEN the plan lists them with resolved references', () => {
    const { app, acme, db } = twoStackApp(tmp());
    new Output(acme, 'DbVmId', { value: db.attr('vm_id'), description: 'the 4D server VM' });
    const plan = app.synth({ write: false }).plans.get('acme')!;
    expect(plan.outputs).toEqual({
      DbVmId: { value: { ref: db.logicalId, attr: 'vm_id' }, description: 'the 4D server VM' },
    });
  });

  it('GIVEN plans of other stacks in the folder WHEN synthesized THEN they are left alone', () => {
    const out = tmp();
    writeFileSync(join(out, 'globex.plan.json'), '{}');
    twoStackApp(out).app.synth();
    expect(readFileSync(join(out, 'globex.plan.json'), 'utf8')).toBe('{}');
  });
});

describe('synthesis errors', () => {
  it('GIVEN invalid props on several resources WHEN synthesized THEN every error is reported with its construct path', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 'acme');
    const vm = 'proxmox_virtual_environment_vm';
    new Resource(s, 'A', { type: vm, properties: { nodeName: 7, vmId: 100 } });
    new Resource(s, 'B', { type: vm, properties: { nodeName: 'pve1', vmId: 'x', bogus: 1 } });
    let error: unknown;
    try {
      app.synth({ write: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.code).toBe('SYNTH_VALIDATION');
    expect(v.issues.map((i) => i.path)).toEqual(['acme/A', 'acme/B', 'acme/B']);
    expect(v.message).toContain('synthesis failed with 3 errors');
    expect(v.message).toMatch(/\[acme\/A\] proxmox_virtual_environment_vm: nodeName = 7: .*expected string/);
    expect(v.message).toMatch(/\[acme\/B\] proxmox_virtual_environment_vm: vmId = 'x':/);
    expect(v.message).toMatch(/\[acme\/B\] proxmox_virtual_environment_vm: .*bogus/);
  });

  it('GIVEN invalid props WHEN synth fails THEN no plan file is written', () => {
    const out = tmp();
    const app = new App({ outdir: out });
    const s = new Stack(app, 'acme');
    new Resource(s, 'A', { type: 'proxmox_virtual_environment_vm', properties: { nodeName: 7, vmId: 100 } });
    expect(() => app.synth()).toThrow(ValidationError);
    expect(readdirSync(out)).toEqual([]);
  });

  it('GIVEN stacks that reference each other WHEN synthesized THEN the cycle is reported', () => {
    const app = new App({ outdir: tmp() });
    const a = new Stack(app, 'a');
    const b = new Stack(app, 'b');
    const ra = thing(a, 'R');
    const rb = thing(b, 'R', { x: ra.attr('id') });
    thing(a, 'S', { y: rb.attr('id') });
    expect(() => app.synth({ write: false })).toThrow(/cycle: (a → b → a|b → a → b)/);
  });

  it('GIVEN values JSON cannot hold WHEN synthesized THEN each is reported with its property path', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 's');
    thing(s, 'R', { when: new Date(0), nested: { n: Number.NaN }, list: [1, undefined], fn: () => 1 });
    let message = '';
    try {
      app.synth({ write: false });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('when: a Date instance has no plan form');
    expect(message).toContain('nested.n: NaN is not a finite number');
    expect(message).toContain('list[1]: undefined inside a list');
    expect(message).toContain('fn: a function has no plan form');
  });

  it('GIVEN a stack name with a colon WHEN created THEN it is refused with a stable code', () => {
    const app = new App({ outdir: tmp() });
    let error: unknown;
    try {
      new Stack(app, 'bad:name');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).code).toBe('SYNTH_INVALID_ID');
  });

  it('GIVEN a resource outside of any stack WHEN created THEN the error says to put it under a stack', () => {
    const app = new App({ outdir: tmp() });
    expect(() => thing(app, 'Loose')).toThrow(/is not inside a Stack/);
  });

  it('GIVEN two resources pinned to one logical id WHEN synthesized THEN both paths are named', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 's');
    thing(s, 'A').overrideLogicalId('Same');
    thing(s, 'B').overrideLogicalId('Same');
    expect(() => app.synth({ write: false })).toThrow(/\[s\/B\] logical id 'Same' is also used by s\/A/);
  });

  it('GIVEN a validation added with node.addValidation WHEN synthesized THEN it is collected with the others', () => {
    const app = new App({ outdir: tmp() });
    const s = new Stack(app, 's');
    s.node.addValidation({ validate: () => ['the platform needs at least one node'] });
    expect(() => app.synth({ write: false })).toThrow(/\[s\] the platform needs at least one node/);
  });
});
