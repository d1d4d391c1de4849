import { describe, expect, it } from 'vitest';
import {
  plannedProperties,
  propertyLeaves,
  recordedDifferences,
} from '../../lib/engine/planned-properties.ts';
import { unknownValue } from '../../lib/engine/unknown.ts';

describe('planned properties', () => {
  it('GIVEN nested plan properties WHEN flattened THEN blocks and lists of blocks open up, lists of values, secrets, references and empty values stay whole', () => {
    const leaves = propertyLeaves({
      cpu: { cores: 4 },
      tags: ['a', 'b'],
      disk: [{ interface: 'scsi1', size: 100 }],
      password: { secret: 'env:PW' },
      pool_id: { ref: 'Pool', attr: 'pool_id' },
      vm_id: unknownValue('platform:Vm', 'vm_id'),
      port_forwards: [],
      vga: {},
      comment: undefined,
    });
    expect(Object.fromEntries(leaves)).toEqual({
      'cpu.cores': 4,
      tags: ['a', 'b'],
      'disk[0].interface': 'scsi1',
      'disk[0].size': 100,
      password: { secret: 'env:PW' },
      pool_id: { ref: 'Pool', attr: 'pool_id' },
      vm_id: { ref: 'platform:Vm', attr: 'vm_id' },
      port_forwards: [],
      vga: {},
    });
  });

  it('GIVEN plan properties and a Proxmox key mapping WHEN listed THEN each leaf is a change from nothing, sorted by path, with the Proxmox key only where it differs', () => {
    const api = (path: string) => ({ 'cpu.cores': 'cores', comment: 'comment' })[path];
    expect(plannedProperties({ name: 'vm', cpu: { cores: 4 }, comment: 'x' }, api)).toEqual([
      { key: 'comment', from: undefined, to: 'x', forcesReplacement: false },
      { key: 'cpu.cores', api: 'cores', from: undefined, to: 4, forcesReplacement: false },
      { key: 'name', from: undefined, to: 'vm', forcesReplacement: false },
    ]);
  });

  it('GIVEN recorded and planned properties WHEN compared THEN only leaves that differ are changes: added, removed and changed, an item removed from a list of blocks included', () => {
    const recorded = { user_name: 'alice', groups: ['a'], rules: [{ port: '22' }, { port: '80' }] };
    const planned = { user_name: 'alice', groups: ['a', 'b'], rules: [{ port: '22' }], full_name: 'Alice' };
    expect(recordedDifferences(recorded, planned)).toEqual([
      { key: 'full_name', from: undefined, to: 'Alice', forcesReplacement: false },
      { key: 'groups', from: ['a'], to: ['a', 'b'], forcesReplacement: false },
      { key: 'rules[1].port', from: '80', to: undefined, forcesReplacement: false },
    ]);
    expect(recordedDifferences(planned, structuredClone(planned))).toEqual([]);
  });
});
