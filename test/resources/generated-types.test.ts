import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderResourceTypes } from '../../scripts/resource-types.ts';

const DIR = new URL('../../lib/resources/generated/', import.meta.url);

describe('generated L1 config types', () => {
  it('GIVEN the plan contracts WHEN the L1 types are rendered THEN lib/resources/generated holds exactly them (else run npm run generate)', () => {
    const rendered = renderResourceTypes();
    expect(readdirSync(DIR).sort()).toEqual([...rendered.keys()].sort());
    for (const [name, content] of rendered)
      expect(readFileSync(new URL(name, DIR), 'utf8'), `${name} is stale: run npm run generate`).toBe(
        content,
      );
  });

  it('GIVEN the VM contract WHEN rendered THEN props are camelCase, references are Ref<T>, secrets SecretValue, and refused keys say so', () => {
    const vm = renderResourceTypes().get('virtual-environment-vm.ts')!;
    expect(vm).toContain('readonly nodeName: Ref<string>;');
    expect(vm).toContain('readonly password?: SecretValue;');
    expect(vm).toContain('export interface VirtualEnvironmentVmInitializationIpConfigIpv4 {');
    expect(vm).toMatch(
      /@remarks Not applied by the engine yet, so synthesis refuses it: Proxmox lets only root@pam/,
    );
    expect(vm).toContain('readonly dependsOn?: Resource[];');
  });
});
