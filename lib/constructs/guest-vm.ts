import { Construct } from 'constructs';
import type { Ref } from '../core/reference.ts';
import type { Resource } from '../core/resource.ts';
import type { SecretValue } from '../core/secret.ts';
import { Stack } from '../core/stack.ts';
import type { GuestDialect, GuestTarget } from '../resources/guest/guest-target.ts';
import {
  VirtualEnvironmentFirewallOptions,
  type VirtualEnvironmentFirewallOptionsConfig,
  VirtualEnvironmentFirewallRules,
  type VirtualEnvironmentFirewallRulesRule,
  VirtualEnvironmentVm,
} from '../resources/index.ts';
import type { Cluster } from './cluster.ts';
import { macFromSeed } from './identity/allocators.ts';

export interface GuestNic {
  readonly bridge: string;
  /** Pinned, so the guest's interface names and DHCP leases never move. Default: derived from the path. */
  readonly macAddress?: string;
  readonly firewall: boolean;
  readonly vlanId?: number;
}

export interface GuestVmProps {
  readonly cluster: Cluster;
  /** DNS-style VM name. */
  readonly name: string;
  readonly vmId: number;
  readonly node?: string;
  readonly template: number;
  readonly cores: number;
  readonly memoryMiB: number;
  /** Extra data disks beyond the template's system disk. */
  readonly dataDisks?: ReadonlyArray<{
    readonly interface: string;
    readonly sizeGb: number;
    /** See VirtualEnvironmentVmDisk.lifecycle; default `delete`. */
    readonly lifecycle?: 'delete' | 'detach' | 'retain';
  }>;
  readonly nics: readonly GuestNic[];
  readonly osType: 'l26' | 'win11' | 'other';
  readonly description: string;
  readonly poolId?: Ref<string>;
  readonly tags?: readonly string[];
  /** Static address per NIC (cloud-init / cloudbase-init), in order. */
  readonly addresses?: ReadonlyArray<{ readonly address: string; readonly gateway?: string }>;
  readonly dnsServers?: readonly string[];
  readonly startupOrder?: number;
  /** Resources that must exist first, e.g. the bridges the NICs attach to. */
  readonly after?: readonly Resource[];
}

/**
 * A VM cloned from the cluster's template catalogue, the way every platform
 * guest is made: full clone onto the default storage, pinned NIC order and
 * MACs, guest agent on, ownership tags, start on boot. Claims its VM id and
 * MACs in the cluster's identity registry.
 */
export class GuestVm extends Construct {
  readonly vm: VirtualEnvironmentVm;
  readonly vmId: number;
  readonly nodeName: string;
  readonly macAddresses: readonly string[];

  constructor(scope: Construct, id: string, props: GuestVmProps) {
    super(scope, id);
    const { cluster } = props;
    this.vmId = props.vmId;
    this.nodeName = cluster.checkNode(props.node ?? cluster.defaultNode, this);
    this.macAddresses = props.nics.map(
      (nic, i) => nic.macAddress ?? macFromSeed(`${this.node.path}/net${i}`),
    );
    cluster.identities.claim('vm_id', this.vmId, this);
    for (const mac of this.macAddresses) cluster.identities.claim('mac_address', mac, this);

    const stack = Stack.of(this);
    this.vm = new VirtualEnvironmentVm(this, 'Vm', {
      nodeName: this.nodeName,
      vmId: this.vmId,
      name: props.name,
      description: props.description,
      tags: [...new Set(['pvecdk', `pvecdk-${stack.stackName.toLowerCase()}`, ...(props.tags ?? [])])].sort(),
      ...(props.poolId !== undefined ? { poolId: props.poolId } : {}),
      onBoot: true,
      started: true,
      clone: { vmId: props.template, full: true, datastoreId: cluster.defaultStorage },
      cpu: { cores: props.cores, type: 'x86-64-v2-AES' },
      memory: { dedicated: props.memoryMiB },
      agent: { enabled: true },
      operatingSystem: { type: props.osType },
      ...(props.startupOrder !== undefined ? { startup: { order: props.startupOrder } } : {}),
      ...(props.dataDisks?.length
        ? {
            disk: props.dataDisks.map((d) => ({
              interface: d.interface,
              datastoreId: cluster.defaultStorage,
              size: d.sizeGb,
              iothread: true,
              discard: 'on',
              ...(d.lifecycle ? { lifecycle: d.lifecycle } : {}),
            })),
          }
        : {}),
      networkDevice: props.nics.map((nic, i) => ({
        bridge: nic.bridge,
        model: 'virtio',
        macAddress: this.macAddresses[i]!,
        firewall: nic.firewall,
        ...(nic.vlanId ? { vlanId: nic.vlanId } : {}),
      })),
      ...(props.addresses?.length
        ? {
            initialization: {
              datastoreId: cluster.defaultStorage,
              ipConfig: props.addresses.map((a) => ({
                ipv4: { address: a.address, ...(a.gateway ? { gateway: a.gateway } : {}) },
              })),
              ...(props.dnsServers?.length ? { dns: { servers: [...props.dnsServers] } } : {}),
            },
          }
        : {}),
    });
    if (props.after?.length) this.vm.addDependency(...props.after);
  }

  /** How the engine reaches inside this guest: SSH to `host` as the pvecdk user, in `dialect`. */
  target(host: string, dialect: GuestDialect, privateKey: SecretValue): GuestTarget {
    return { vmId: this.vm.vmId, nodeName: this.vm.nodeName, host, username: 'pvecdk', dialect, privateKey };
  }

  /** The VM's Proxmox firewall: on, inbound dropped unless a rule admits it, outbound allowed. */
  firewall(
    rules: VirtualEnvironmentFirewallRulesRule[],
    options: Partial<Pick<VirtualEnvironmentFirewallOptionsConfig, 'macfilter' | 'ipfilter'>> = {},
  ): void {
    const vm = { nodeName: this.vm.nodeName, vmId: this.vm.vmId };
    new VirtualEnvironmentFirewallOptions(this.node.scope as Construct, 'FirewallOptions', {
      ...vm,
      enabled: true,
      inputPolicy: 'DROP',
      outputPolicy: 'ACCEPT',
      ...options,
    });
    new VirtualEnvironmentFirewallRules(this.node.scope as Construct, 'FirewallRules', {
      ...vm,
      rule: rules,
    });
  }
}
