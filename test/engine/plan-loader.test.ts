import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App, Resource, Stack } from '../../lib/core/index.ts';
import { deploymentOrder, loadAssembly } from '../../lib/engine/plan-loader.ts';

function synthThree(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
  const app = new App({ outdir });
  const platform = new Stack(app, 'platform');
  const tpl = new Resource(platform, 'Tpl', {
    type: 'proxmox_virtual_environment_vm',
    properties: { nodeName: 'pve1', vmId: 9000 },
  });
  const acme = new Stack(app, 'acme');
  const acmeVm = new Resource(acme, 'Vm', {
    type: 'proxmox_virtual_environment_vm',
    properties: { nodeName: 'pve1', vmId: 1100, clone: { vmId: tpl.attr('vm_id') } },
  });
  const globex = new Stack(app, 'globex');
  new Resource(globex, 'Vm', {
    type: 'proxmox_virtual_environment_firewall_options',
    properties: { nodeName: 'pve1', vmId: acmeVm.attr('vm_id'), enabled: true },
  });
  app.synth();
  return outdir;
}

describe('plan loading', () => {
  it('GIVEN a synthesized assembly WHEN loaded THEN every plan is there and the order puts dependencies first', () => {
    const assembly = loadAssembly(synthThree());
    expect([...assembly.plans.keys()].sort()).toEqual(['acme', 'globex', 'platform']);
    expect(deploymentOrder(assembly, ['globex'])).toEqual(['platform', 'acme', 'globex']);
    expect(deploymentOrder(assembly, ['acme', 'platform'])).toEqual(['platform', 'acme']);
  });

  it('GIVEN no synth output WHEN loaded THEN PLAN_MISSING says to synth first', () => {
    expect(() => loadAssembly(mkdtempSync(join(tmpdir(), 'pvecdk-empty-')))).toThrow(
      expect.objectContaining({
        code: 'PLAN_MISSING',
        hint: expect.stringContaining('run `pvecdk synth <stackfile>` first'),
      }),
    );
  });

  it('GIVEN a hand-edited plan WHEN loaded THEN PLAN_INVALID names the file and the field', () => {
    const outdir = synthThree();
    const file = join(outdir, 'acme.plan.json');
    const plan = JSON.parse(readFileSync(file, 'utf8'));
    plan.resources[Object.keys(plan.resources)[0]!].dependsOn = 'platform';
    writeFileSync(file, JSON.stringify(plan));
    expect(() => loadAssembly(outdir)).toThrow(
      /acme\.plan\.json is not a valid plan:\n\s+resources\.Vm\w+\.dependsOn: /,
    );
  });

  it('GIVEN a plan from another synth WHEN loaded THEN the mismatch is named', () => {
    const outdir = synthThree();
    const globex = readFileSync(join(outdir, 'globex.plan.json'), 'utf8');
    writeFileSync(join(outdir, 'acme.plan.json'), globex);
    expect(() => loadAssembly(outdir)).toThrow(
      /is for stack globex on default, but the manifest lists acme on default/,
    );
  });
});

describe('plan loading against the contracts', () => {
  it('GIVEN a plan whose resource breaks its type contract, or has a type pvecdk does not know, WHEN loaded THEN PLAN_INVALID names the file, the resource and the key', () => {
    const outdir = synthThree();
    const file = join(outdir, 'acme.plan.json');
    const plan = JSON.parse(readFileSync(file, 'utf8'));
    const id = Object.keys(plan.resources)[0]!;
    plan.resources[id].properties.cpu = { cores: 'four' };
    writeFileSync(file, JSON.stringify(plan));
    expect(() => loadAssembly(outdir)).toThrow(
      expect.objectContaining({
        code: 'PLAN_INVALID',
        message: expect.stringMatching(
          /acme\.plan\.json: resource \w+ does not match the proxmox_virtual_environment_vm contract:\n {2}acme\/Vm: cpu\.cores: /,
        ),
      }),
    );
    plan.resources[id].properties.cpu = { cores: 2 };
    plan.resources[id].type = 'proxmox_virtual_environment_container';
    writeFileSync(file, JSON.stringify(plan));
    expect(() => loadAssembly(outdir)).toThrow(
      /has type proxmox_virtual_environment_container, which this version of pvecdk does not know/,
    );
  });
});
