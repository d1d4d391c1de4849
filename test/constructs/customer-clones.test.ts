import { describe, expect, it } from 'vitest';
import { Template } from '../../lib/assertions/index.ts';
import { Customer } from '../../lib/constructs/index.ts';
import { SecretValue } from '../../lib/core/index.ts';
import { testPlatform } from './fixtures.ts';

const CLUSTER = {
  nodes: ['pve1', 'pve2'],
  templates: { pfsense: 9000, windowsServer: 9001, debian: 9002 },
  managementSource: '10.20.0.2',
  guestSshKey: SecretValue.generated('ssh/guest_ed25519'),
  backupStorage: 'nfs-backup',
};

function customerVms(customerVmClones?: 'full' | 'linked' | 'thin') {
  const { platform } = testPlatform({
    cluster: {
      ...CLUSTER,
      defaultStorage: 'ssd',
      ...(customerVmClones ? { customerVmClones: customerVmClones as 'full' } : {}),
    },
  });
  const acme = new Customer(platform, 'acme', {
    number: 1,
    servers: [{ name: 'acme-main', os: 'linux' }],
    users: [{ name: 'acme.alice', vpn: true, servers: ['acme-main'] }],
  });
  const vm = (stack: typeof acme | typeof platform) =>
    Object.values(Template.fromStack(stack).findResources('proxmox_virtual_environment_vm')).map(
      (r) => r.properties as { clone: unknown; disk?: Array<{ datastore_id: string }> },
    );
  return { customer: vm(acme), platform: vm(platform) };
}

describe('Cluster customerVmClones', () => {
  it('GIVEN no choice WHEN a customer is synthesized THEN its DB server is a full clone onto the default storage', () => {
    const { customer } = customerVms();
    expect(customer[0]!.clone).toEqual({ vm_id: 9002, full: true, datastore_id: 'ssd' });
  });

  it("GIVEN 'linked' WHEN synthesized THEN the DB server is a linked clone with no target storage, its data disk stays on the default storage, and the platform's VMs are still full clones", () => {
    const { customer, platform } = customerVms('linked');
    expect(customer[0]!.clone).toEqual({ vm_id: 9002, full: false });
    expect(customer[0]!.disk?.[0]?.datastore_id).toBe('ssd');
    for (const vm of platform) expect(vm.clone).toMatchObject({ full: true, datastore_id: 'ssd' });
  });

  it('GIVEN an unknown clone kind WHEN the platform is built THEN it is refused naming the prop', () => {
    expect(() => customerVms('thin')).toThrow(/customerVmClones/);
  });
});
