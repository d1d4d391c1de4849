import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { snakeCase } from '../../lib/contract/index.ts';
import { App, Stack } from '../../lib/core/index.ts';
import { logicalIdFromPath } from '../../lib/core/private/logical-id.ts';
import { thing } from './test-contract.ts';

describe('logical ids', () => {
  it('GIVEN a construct path WHEN an id is made THEN it is a readable prefix plus eight hex digits, stable', () => {
    const id = logicalIdFromPath(['Db', 'Vm']);
    expect(id).toMatch(/^DbVm[0-9A-F]{8}$/);
    expect(logicalIdFromPath(['Db', 'Vm'])).toBe(id);
  });

  it('GIVEN paths that read alike WHEN ids are made THEN they differ', () => {
    expect(logicalIdFromPath(['a-b', 'c'])).not.toBe(logicalIdFromPath(['ab', 'c']));
  });

  it('GIVEN Default components WHEN an id is made THEN they are left out of the readable part', () => {
    expect(logicalIdFromPath(['Bridge', 'Default'])).toMatch(/^Bridge[0-9A-F]{8}$/);
  });

  it('GIVEN the same path below two stacks WHEN synthesized THEN the ids are equal (ids are per stack)', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-id-')) });
    const a = thing(new Construct(new Stack(app, 'a'), 'Db'), 'Vm');
    const b = thing(new Construct(new Stack(app, 'b'), 'Db'), 'Vm');
    expect(a.logicalId).toBe(b.logicalId);
    expect(a.logicalId).toBe(logicalIdFromPath(['Db', 'Vm']));
  });

  it('GIVEN camelCase names WHEN converted THEN they match the provider attribute names', () => {
    expect(
      ['vmId', 'macAddress', 'ipv4Addresses', 'onBoot', 'node_name', 'vlanAware', 'dnsServers'].map(
        snakeCase,
      ),
    ).toEqual([
      'vm_id',
      'mac_address',
      'ipv4_addresses',
      'on_boot',
      'node_name',
      'vlan_aware',
      'dns_servers',
    ]);
  });
});
