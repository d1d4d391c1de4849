import { describe, expect, it } from 'vitest';
import { checkInvariants, type Observation, secretNeedles } from '../../bench/soak/invariants.ts';

/** A state file of `stack` recording the given VMs (by id), as the engine writes it. */
function stateFile(stack: string, vmids: readonly number[]): { file: string; text: string } {
  const resources = Object.fromEntries(
    vmids.map((vmid, i) => [
      `Vm${i}`,
      {
        type: 'proxmox_virtual_environment_vm',
        path: `${stack}/Vm${i}`,
        attributes: { vm_id: vmid, node_name: 'pve1' },
        properties: {},
        dependsOn: [],
      },
    ]),
  );
  return {
    file: `.pvecdk/sim/state/default/${stack}.json`,
    text: JSON.stringify({ version: 1, stack, remote: 'default', serial: 3, resources, outputs: {} }),
  };
}

const vm = (vmid: number, name: string, stack: string, extra: Partial<Observation['vms'][number]> = {}) => ({
  vmid,
  node: 'pve1',
  name,
  template: false,
  tags: ['pvecdk', `pvecdk-${stack}`],
  description: '',
  lock: undefined,
  ...extra,
});

const PASSWORD = 'Zq8#rT2!mW9pLk4$vB7n';
const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBXb2tlbiBrZXkgbWF0ZXJpYWwgZm9yIHRoZSBzb2FrIHRlc3QAAAAAAA==',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

/** What a healthy round looks like: platform and one customer, every VM in a state, nothing held, no secret out. */
function healthy(): Observation {
  return {
    vms: [
      { ...vm(9000, 'pfsense-template', 'platform'), template: true, tags: [] },
      vm(100, 'fw', 'platform'),
      vm(101, 'rds', 'platform'),
      vm(1000, 'soak1-s1', 'soak1'),
    ],
    stateFiles: [stateFile('platform', [100, 101]), stateFile('soak1', [1000])],
    locks: [
      { stack: 'platform (default)', holders: [] },
      { stack: 'soak1 (default)', holders: [] },
    ],
    secrets: [
      { name: 'default:rds/soak1.u1', value: PASSWORD },
      { name: 'default:ssh/guest_ed25519', value: KEY },
    ],
    texts: [
      { where: 'logs/0001-deploy.log', text: 'Deployed: platform, soak1 (created 20, ...)' },
      { where: 'cdk.out/soak1.plan.json', text: '{"password":{"secret":"generated:rds/soak1.u1"}}' },
    ],
    convergence: {
      redeployExit: 0,
      redeploySummary:
        'Deployed: platform, soak1 (created 0, updated 0, replaced 0, deleted 0, unchanged 22, pending 9, failed 0, skipped 0, in 1.0 s)',
      redeployWrites: 0,
      diffExit: 0,
    },
    liveStacks: ['platform', 'soak1'],
  };
}

describe('soak invariants', () => {
  it('GIVEN a converged platform and customer WHEN checked THEN no violation is found', () => {
    expect(checkInvariants(healthy())).toEqual([]);
  });

  it('GIVEN a VM tagged pvecdk that no state records (a clone a killed deploy left) WHEN checked THEN it is an orphan', () => {
    const o = healthy();
    const found = checkInvariants({ ...o, vms: [...o.vms, vm(1001, 'soak1-s2', 'soak1')] });
    expect(found).toEqual([
      { kind: 'orphan-vm', detail: expect.stringMatching(/^VM 1001 \(soak1-s2, tags pvecdk;pvecdk-soak1\)/) },
    ]);
  });

  it('GIVEN an untagged VM still carrying the creation marker WHEN checked THEN it is an orphan too', () => {
    const o = healthy();
    const half = vm(1002, 'soak1-s3', 'soak1', {
      tags: [],
      description: 'pvecdk: being created by stack soak1 (soak1/soak1-s3/Guest/Vm)',
    });
    expect(checkInvariants({ ...o, vms: [...o.vms, half] }).map((v) => v.kind)).toEqual(['orphan-vm']);
  });

  it('GIVEN a stale deploy lock of a killed process WHEN checked THEN it is a leaked lock naming the stack and holder', () => {
    const o = healthy();
    const found = checkInvariants({
      ...o,
      locks: [
        { stack: 'soak1 (default)', holders: ['exclusive by pid 4242 (deploy, since 2026-12-07T21:00:00Z)'] },
      ],
    });
    expect(found).toEqual([
      {
        kind: 'leaked-lock',
        detail: expect.stringContaining("stack soak1 (default)'s deploy lock is still held"),
      },
    ]);
    expect(found[0]!.detail).toContain('pid 4242');
  });

  it('GIVEN a VM whose config is still locked (clone) WHEN checked THEN it is a leaked lock', () => {
    const o = healthy();
    const vms = o.vms.map((v) => (v.vmid === 1000 ? { ...v, lock: 'clone' } : v));
    expect(checkInvariants({ ...o, vms })).toEqual([
      { kind: 'leaked-lock', detail: 'VM 1000 (soak1-s1) on pve1 is still locked (clone)' },
    ]);
  });

  it('GIVEN a generated password in a CLI log WHEN checked THEN it is a secret leak naming the secret and the file', () => {
    const o = healthy();
    const texts = [
      ...o.texts,
      { where: 'logs/0007-deploy.log', text: `error: login failed for ${PASSWORD}` },
    ];
    expect(checkInvariants({ ...o, texts })).toEqual([
      { kind: 'secret-leak', detail: 'secret default:rds/soak1.u1 appears in logs/0007-deploy.log' },
    ]);
  });

  it('GIVEN one line of a private key in a state file WHEN checked THEN the key is found, though not whole', () => {
    const o = healthy();
    const texts = [
      ...o.texts,
      { where: '.pvecdk/sim/state/default/platform.json', text: `"k":"${KEY.split('\n')[2]}"` },
    ];
    expect(checkInvariants({ ...o, texts }).map((v) => v.detail)).toEqual([
      'secret default:ssh/guest_ed25519 appears in .pvecdk/sim/state/default/platform.json',
    ]);
    expect(secretNeedles(KEY)).not.toContain('-----END OPENSSH PRIVATE KEY-----');
  });

  it('GIVEN two VMs of one name, and one VM recorded by two stacks WHEN checked THEN both are duplicates', () => {
    const o = healthy();
    const found = checkInvariants({
      ...o,
      vms: [...o.vms, vm(1003, 'soak1-s1', 'soak1')],
      stateFiles: [stateFile('platform', [100, 101]), stateFile('soak1', [1000, 1003, 100])],
    });
    expect(found.filter((v) => v.kind === 'duplicate-vm').map((v) => v.detail)).toEqual([
      'VM name soak1-s1 is used by 1000, 1003',
      'VM 100 is recorded by platform:platform/Vm0 and soak1:soak1/Vm2',
    ]);
  });

  it('GIVEN a state recording a VM that is gone, and a destroyed stack still recording resources WHEN checked THEN both are found', () => {
    const o = healthy();
    const found = checkInvariants({
      ...o,
      stateFiles: [stateFile('platform', [100, 101]), stateFile('soak1', [1000]), stateFile('soak2', [2000])],
    });
    expect(found.map((v) => v.kind).sort()).toEqual(['missing-vm', 'not-converged']);
  });

  it('GIVEN a state file that is not JSON, and one of the wrong shape WHEN checked THEN both are invalid, and a live stack without state is missing', () => {
    const o = healthy();
    const found = checkInvariants({
      ...o,
      vms: o.vms.filter((v) => v.vmid !== 1000),
      stateFiles: [
        stateFile('platform', [100, 101]),
        { file: '.pvecdk/sim/state/default/soak1.json', text: '{"version":1,"stack":"soak1"' },
        { file: '.pvecdk/sim/state/default/soak9.json', text: '{"version":2}' },
      ],
    });
    expect(found.map((v) => v.kind)).toEqual(['invalid-state', 'invalid-state', 'missing-state']);
  });

  it('GIVEN a re-deploy that still changed something, wrote, and a diff that exits 1 WHEN checked THEN each is not converged', () => {
    const o = healthy();
    const found = checkInvariants({
      ...o,
      convergence: {
        redeployExit: 0,
        redeploySummary:
          'Deployed: platform, soak1 (created 0, updated 1, replaced 0, deleted 0, unchanged 21, pending 9, failed 0, skipped 0, in 1.0 s)',
        redeployWrites: 2,
        diffExit: 1,
      },
    });
    expect(found.map((v) => v.kind)).toEqual(['not-converged', 'not-converged', 'not-converged']);
  });
});
