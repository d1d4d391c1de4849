import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAN_TYPES, schemaKeys, toPlanKeys, toUserPath, types } from '../../lib/contract/index.ts';
import { App, Resource, Stack, ValidationError } from '../../lib/core/index.ts';
import { VirtualEnvironmentPool, VirtualEnvironmentVm } from '../../lib/resources/index.ts';

function synthIssues(build: (stack: Stack) => void): string[] {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pvecdk-contract-')) });
  build(new Stack(app, 's'));
  try {
    app.synth({ write: false });
    return [];
  } catch (e) {
    if (e instanceof ValidationError)
      return e.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    throw e;
  }
}

describe('plan contracts', () => {
  it('GIVEN every plan type WHEN its not-applied keys are looked up in its schema THEN each names a real key', () => {
    for (const def of PLAN_TYPES.values()) {
      const keys = new Set(schemaKeys(def.plan).map((k) => k.path));
      for (const path of Object.keys(def.notApplied)) expect(keys, `${def.type}: ${path}`).toContain(path);
    }
  });

  it('GIVEN every plan type WHEN walked THEN it has keys, attributes documented, and a key of every nested block', () => {
    for (const def of PLAN_TYPES.values()) {
      const keys = schemaKeys(def.plan);
      expect(keys.length, def.type).toBeGreaterThan(0);
      for (const [name, doc] of Object.entries(def.attributes))
        expect(doc.length, `${def.type}.${name}`).toBeGreaterThan(0);
    }
    const vmKeys = schemaKeys(types.vmType.plan).map((k) => k.path);
    expect(vmKeys).toContain('disk[].speed.iops_read');
    expect(vmKeys).toContain('initialization.ip_config[].ipv4.address');
    expect(vmKeys).toContain('efi_disk.pre_enrolled_keys');
  });

  it('GIVEN camelCase props with data maps WHEN converted to plan keys THEN object keys become snake_case and map keys stay', () => {
    const plan = toPlanKeys(
      { id: 'daily', pruneBackups: { 'keep-daily': '7' }, notesTemplate: 'x' },
      types.backupJobType.plan,
    );
    expect(plan).toEqual({ id: 'daily', prune_backups: { 'keep-daily': '7' }, notes_template: 'x' });
    const cmd = toPlanKeys({ triggers: { rulesHash: 'a' } }, types.guestCommandType.plan);
    expect(cmd).toEqual({ triggers: { rulesHash: 'a' } });
    expect(toUserPath(['initialization', 'user_account', 'password'], types.vmType.plan)).toBe(
      'initialization.userAccount.password',
    );
    expect(toUserPath(['disk', 0, 'file_format'], types.vmType.plan)).toBe('disk.0.fileFormat');
  });
});

describe('synthesis against the contracts', () => {
  it('GIVEN a key the engine does not apply WHEN synthesized THEN synth refuses it naming the key, the construct path and why', () => {
    const issues = synthIssues((s) => {
      new VirtualEnvironmentVm(s, 'Vm', { nodeName: 'pve1', vmId: 100, cpu: { cores: 2, affinity: '0-3' } });
    });
    expect(issues).toEqual([
      expect.stringMatching(
        /^s\/Vm: proxmox_virtual_environment_vm: not supported by the engine yet: cpu\.affinity \(Proxmox lets only root@pam/,
      ),
    ]);
  });

  it('GIVEN a not-applied key inside a list item WHEN synthesized THEN it is refused too', () => {
    const issues = synthIssues((s) => {
      new VirtualEnvironmentVm(s, 'Vm', {
        nodeName: 'pve1',
        vmId: 100,
        disk: [{ interface: 'scsi0' }, { interface: 'scsi1', importFrom: 'local:import/disk.qcow2' }],
      });
    });
    expect(issues).toEqual([expect.stringContaining('not supported by the engine yet: disk[].importFrom')]);
  });

  it('GIVEN a type pvecdk does not know WHEN synthesized THEN it is refused, since the engine could never apply it', () => {
    const issues = synthIssues((s) => {
      new Resource(s, 'Odd', { type: 'proxmox_virtual_environment_container', properties: {} });
    });
    expect(issues).toEqual([expect.stringContaining('is not a plan type pvecdk knows')]);
  });

  it('GIVEN a reference to an attribute the engine does not record WHEN synthesized THEN synth names it and the ones that exist', () => {
    const issues = synthIssues((s) => {
      const pool = new VirtualEnvironmentPool(s, 'Pool', { poolId: 'acme' });
      new VirtualEnvironmentVm(s, 'Vm', { nodeName: 'pve1', vmId: 100, poolId: pool.attr('name') });
    });
    expect(issues).toEqual([
      's/Vm: proxmox_virtual_environment_vm: refers to s/Pool.name, which the engine does not record for proxmox_virtual_environment_pool (refer to one of: pool_id)',
    ]);
  });
});
