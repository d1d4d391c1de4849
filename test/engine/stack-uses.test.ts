import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../lib/contract/plan.ts';
import { LocalBackend } from '../../lib/engine/backends/local-backend.ts';
import { crossStackUses, deployedUsersOf, recordStackUses } from '../../lib/engine/stack-uses.ts';
import { StateStore } from '../../lib/engine/state-store.ts';

const platform: Plan = {
  version: 1,
  stack: 'platform',
  remote: 'default',
  dependsOn: [],
  resources: {
    RdsVm1: {
      type: 'proxmox_virtual_environment_vm',
      path: 'platform/Rds/Vm',
      dependsOn: [],
      properties: {},
    },
  },
  outputs: {},
};

const customer: Plan = {
  version: 1,
  stack: 'globex',
  remote: 'default',
  dependsOn: ['platform'],
  resources: {
    User1: {
      type: 'pvecdk_rds_user',
      path: 'globex/carol/RdsUser',
      dependsOn: [],
      properties: {
        target: { vm_id: { ref: 'platform:RdsVm1', attr: 'vm_id' } },
        rules: [{ to: { ref: 'Local1', attr: 'x' } }],
      },
    },
    Shortcut1: { type: 'pvecdk_rds_shortcut', path: 'globex/carol/Shortcut', dependsOn: [], properties: {} },
  },
  outputs: {},
  uses: [{ resource: 'Shortcut1', property: 'link_content', stack: 'acme', path: 'acme/acme-main' }],
};

describe('what a stack uses of other stacks', () => {
  it('GIVEN a plan with a cross-stack reference, a local one and a use by value WHEN read THEN both cross-stack uses are found, named by path and property', () => {
    expect(crossStackUses(customer, new Map([['platform', platform]]))).toEqual([
      {
        stack: 'acme',
        path: 'acme/acme-main',
        by: 'globex/carol/Shortcut',
        type: 'pvecdk_rds_shortcut',
        property: 'link_content',
      },
      {
        stack: 'platform',
        path: 'platform/Rds/Vm',
        attr: 'vm_id',
        by: 'globex/carol/RdsUser',
        type: 'pvecdk_rds_user',
        property: 'target.vm_id',
      },
    ]);
    // Without the other plan the reference is named by its logical id.
    expect(crossStackUses(customer).find((u) => u.stack === 'platform')?.path).toBe('RdsVm1');
  });

  it('GIVEN globex deployed with its uses recorded WHEN the users of acme are asked THEN globex is named with its file; a stack with no resources left is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-uses-'));
    const state = StateStore.open(dir, 'default', 'globex');
    await state.setOrigin({ file: 'stacks/globex.ts', app: 'stacks/platform.ts' });
    await state.put('Shortcut1', {
      type: 'pvecdk_rds_shortcut',
      path: 'globex/carol/Shortcut',
      attributes: {},
      properties: {},
      dependsOn: [],
    });
    await recordStackUses(state, customer, new Map([['platform', platform]]));
    const serial = state.state.serial;
    await recordStackUses(state, customer, new Map([['platform', platform]]));
    expect(state.state.serial).toBe(serial); // unchanged uses are not written again

    const backend = new LocalBackend(dir);
    const users = await deployedUsersOf(backend, 'default', ['acme']);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ stack: 'globex', file: 'stacks/globex.ts' });
    expect(users[0]!.uses.map((u) => u.by)).toEqual(['globex/carol/Shortcut']);
    expect(await deployedUsersOf(backend, 'default', ['globex'])).toEqual([]);
    expect(await deployedUsersOf(backend, 'other-remote', ['acme'])).toEqual([]);

    await state.remove('Shortcut1');
    expect(await deployedUsersOf(backend, 'default', ['acme'])).toEqual([]);
  });
});
