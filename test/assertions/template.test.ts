import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Match, Template } from '../../lib/assertions/index.ts';
import { App, Output, Resource, Stack } from '../../lib/core/index.ts';

function twoStacks() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-template-')) });
  const platform = new Stack(app, 'platform');
  const acme = new Stack(app, 'acme');
  const tpl = new Resource(platform, 'WindowsTemplate', {
    type: 'proxmox_virtual_environment_vm',
    properties: { nodeName: 'pve1', vmId: 9001 },
  });
  const vm = (id: string, bridge: string, cores: number) =>
    new Resource(acme, id, {
      type: 'proxmox_virtual_environment_vm',
      properties: {
        nodeName: 'pve1',
        vmId: cores * 100,
        clone: { vmId: tpl.attr('vm_id') },
        cpu: { cores },
        networkDevice: [{ bridge: 'vmbr1' }, { bridge }],
      },
    });
  vm('Alpha', 'vmbr2', 2);
  vm('Beta', 'vmbr1', 4);
  new Resource(acme, 'Pool', { type: 'proxmox_virtual_environment_pool', properties: { poolId: 'acme' } });
  new Output(acme, 'PoolId', { value: 'acme' });
  return { platform, acme, tpl };
}

describe('Template', () => {
  it('GIVEN a stack with a cross-stack reference WHEN asserted THEN the reference is matched as an object', () => {
    const { acme, tpl } = twoStacks();
    const template = Template.fromStack(acme);
    template.resourceCountIs('proxmox_virtual_environment_vm', 2);
    template.hasResourceProperties('proxmox_virtual_environment_vm', {
      clone: { vm_id: Match.objectLike({ ref: `platform:${tpl.logicalId}` }) },
    });
    template.hasResource('proxmox_virtual_environment_vm', { path: 'acme/Beta', dependsOn: [] });
    template.hasOutput('PoolId', { value: 'acme' });
  });

  it('GIVEN a count that is off WHEN asserted THEN the message gives both counts and the types present', () => {
    const template = Template.fromStack(twoStacks().acme);
    expect(() => template.resourceCountIs('proxmox_virtual_environment_vm', 3)).toThrow(
      'Expected 3 resources of type proxmox_virtual_environment_vm but found 2. Types present: proxmox_virtual_environment_pool (1), proxmox_virtual_environment_vm (2).',
    );
  });

  it('GIVEN no resource matches WHEN asserted THEN the closest candidate and every mismatching path are shown', () => {
    const template = Template.fromStack(twoStacks().acme);
    let message = '';
    try {
      template.hasResourceProperties('proxmox_virtual_environment_vm', {
        cpu: { cores: 4 },
        network_device: [{}, { bridge: 'vmbr2' }],
        on_boot: true,
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      'Template has 2 resources of type proxmox_virtual_environment_vm, but none match.',
    );
    expect(message).toContain(
      'Looked for properties: {"cpu":{"cores":4},"network_device":[{},{"bridge":"vmbr2"}],"on_boot":true}',
    );
    // Beta has cores 4 but the wrong bridge and no on_boot (2 mismatches); Alpha has 2 as well (cores, on_boot); ties go by id.
    expect(message).toMatch(/The closest candidate is Alpha[0-9A-F]{8} \(acme\/Alpha\), with 2 mismatches:/);
    expect(message).toContain('  /cpu/cores: expected 4, got 2');
    expect(message).toContain('  /on_boot: missing (expected true)');
  });

  it('GIVEN one candidate is closer WHEN no resource matches THEN that one is chosen', () => {
    const template = Template.fromStack(twoStacks().acme);
    expect(() =>
      template.hasResourceProperties('proxmox_virtual_environment_vm', {
        cpu: { cores: 4 },
        network_device: [{}, { bridge: 'vmbr3' }],
      }),
    ).toThrow(
      /closest candidate is Beta[0-9A-F]{8} \(acme\/Beta\), with 1 mismatch:\n {2}\/network_device\/1\/bridge: expected "vmbr3", got "vmbr1"/,
    );
  });

  it('GIVEN a type that is not in the plan WHEN asserted THEN the message lists the types present', () => {
    const template = Template.fromStack(twoStacks().acme);
    expect(() => template.hasResourceProperties('proxmox_backup_job', {})).toThrow(
      'Template has no resources of type proxmox_backup_job. Types present: proxmox_virtual_environment_pool (1), proxmox_virtual_environment_vm (2).',
    );
  });

  it('GIVEN findResources and counts with properties WHEN used THEN they select by pattern', () => {
    const template = Template.fromStack(twoStacks().acme);
    const found = template.findResources('proxmox_virtual_environment_vm', { cpu: { cores: 4 } });
    expect(Object.values(found).map((r) => r.path)).toEqual(['acme/Beta']);
    template.resourcePropertiesCountIs('proxmox_virtual_environment_vm', { node_name: 'pve1' }, 2);
    expect(() =>
      template.allResourcesProperties('proxmox_virtual_environment_vm', { cpu: { cores: 4 } }),
    ).toThrow(
      /Expected every proxmox_virtual_environment_vm to match, but Alpha[0-9A-F]{8} \(acme\/Alpha\) does not:\n {2}\/cpu\/cores: expected 4, got 2/,
    );
  });

  it('GIVEN a plan document WHEN loaded with fromJSON THEN it round-trips; a bad one names the field', () => {
    const plan = Template.fromStack(twoStacks().acme).toJSON();
    expect(Template.fromJSON(JSON.parse(JSON.stringify(plan))).toJSON()).toEqual(plan);
    expect(() => Template.fromJSON({ ...plan, resources: { X: { type: 't' } } })).toThrow(
      /Template.fromJSON: not a plan:\n {2}resources\.X\.path: /,
    );
  });

  it('GIVEN a stack WHEN its plan is snapshotted THEN the snapshot is stable', () => {
    const { platform } = twoStacks();
    expect(Template.fromStack(platform).toJSON()).toMatchInlineSnapshot(`
      {
        "dependsOn": [],
        "outputs": {},
        "remote": "default",
        "resources": {
          "WindowsTemplateD136D303": {
            "dependsOn": [],
            "path": "platform/WindowsTemplate",
            "properties": {
              "node_name": "pve1",
              "vm_id": 9001,
            },
            "type": "proxmox_virtual_environment_vm",
          },
        },
        "stack": "platform",
        "version": 1,
      }
    `);
  });
});
