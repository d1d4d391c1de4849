import { Construct } from 'constructs';
import { ConstructError } from '../core/errors.ts';
import type { Ref } from '../core/reference.ts';
import type { Resource } from '../core/resource.ts';
import type { SecretValue } from '../core/secret.ts';
import { Stack } from '../core/stack.ts';
import type { GuestTarget } from '../resources/generated/guest-target.ts';
import {
  VirtualEnvironmentFirewallOptions,
  type VirtualEnvironmentFirewallOptionsConfig,
  VirtualEnvironmentFirewallRules,
  type VirtualEnvironmentFirewallRulesRule,
  VirtualEnvironmentVm,
} from '../resources/index.ts';
import type { Cluster } from './cluster.ts';
import { MAC_POOL, seedOf } from './private/identity/allocators.ts';

type GuestDialect = GuestTarget['dialect'];

/** One network device of a GuestVm (virtio), in the order Proxmox numbers them (`net0`, `net1`, ...). */
export interface GuestNic {
  /** The bridge the NIC attaches to, e.g. `vmbr1`. */
  readonly bridge: string;
  /**
   * The NIC's MAC address, pinned so the guest's interface names and DHCP leases never move.
   * @default - derived from the GuestVm's construct path and the NIC's position, in Proxmox's
   * OUI `BC:24:11`
   */
  readonly macAddress?: string;
  /** Whether the VM's Proxmox firewall filters this NIC. */
  readonly firewall: boolean;
  /**
   * The 802.1Q VLAN tag, 1 to 4094; `0` is taken as untagged.
   * @default - untagged
   */
  readonly vlanId?: number;
}

export interface GuestVmProps {
  /** The cluster the VM runs on: its template catalogue, default node and storage, identity registry. */
  readonly cluster: Cluster;
  /** DNS-style VM name. */
  readonly name: string;
  /** The Proxmox VM id, unique in the cluster (claimed in its identity registry). */
  readonly vmId: number;
  /**
   * The Proxmox node the VM is created on; one of the cluster's nodes.
   * @default - the cluster's `defaultNode`
   */
  readonly node?: string;
  /** VM id of the template to clone. */
  readonly template: number;
  /**
   * `full` copies the template's disks onto the cluster's default storage; `linked` makes thin
   * copy-on-write children of the template's base volumes on the template's storage (see
   * ClusterProps.customerVmClones for the trade-off).
   * @default 'full'
   */
  readonly clone?: 'full' | 'linked';
  /** Virtual CPU cores (CPU type `x86-64-v2-AES`). */
  readonly cores: number;
  /** Memory in MiB. */
  readonly memoryMiB: number;
  /**
   * Extra data disks beyond the template's system disk.
   * @default - none: only the template's disks
   */
  readonly dataDisks?: ReadonlyArray<{
    /** The disk's bus and slot, e.g. `scsi1`. */
    readonly interface: string;
    /** Size in GiB, on the cluster's default storage (iothread, discard on); it can only grow. */
    readonly sizeGb: number;
    /**
     * What may happen to the disk's data: `delete` (destroying it needs --allow-destroy-data),
     * `detach` (kept as an unused disk of the VM when it leaves the plan) or `retain` (never
     * destroyed until changed back). See VirtualEnvironmentVmDisk.lifecycle.
     * @default 'delete'
     */
    readonly lifecycle?: 'delete' | 'detach' | 'retain';
  }>;
  /** The VM's network devices, in order: `net0` is the first. */
  readonly nics: readonly GuestNic[];
  /** Proxmox's guest OS type: `l26` (Linux 2.6 to 6.x), `win11` (Windows 11/2022/2025) or `other`. */
  readonly osType: 'l26' | 'win11' | 'other';
  /** The VM's description (notes) in Proxmox. */
  readonly description: string;
  /**
   * The resource pool the VM joins.
   * @default - in no pool
   */
  readonly poolId?: Ref<string>;
  /**
   * Tags added to the ownership tags `pvecdk` and `pvecdk-<stack name in lower case>` that every
   * guest carries.
   * @default - only the ownership tags
   */
  readonly tags?: readonly string[];
  /**
   * Static address per NIC (cloud-init / cloudbase-init), in NIC order; the cloud-init drive goes
   * on the cluster's default storage.
   * @default - none: no cloud-init settings are written
   */
  readonly addresses?: ReadonlyArray<{
    /** The address with prefix, e.g. `10.20.1.15/16`. */
    readonly address: string;
    /**
     * The default gateway (IPv4) reached through this NIC.
     * @default - no gateway on this NIC
     */
    readonly gateway?: string;
  }>;
  /**
   * DNS servers handed to the guest by cloud-init; only together with `addresses` (refused alone).
   * @default - none
   */
  readonly dnsServers?: readonly string[];
  /**
   * Start order among the node's VMs started at boot (Proxmox `startup: order=N`, lower first;
   * shutdown in reverse), a non-negative number.
   * @default - none: the VM's `startup` option is left unset
   */
  readonly startupOrder?: number;
  /**
   * Resources that must exist first, e.g. the bridges the NICs attach to.
   * @default - none beyond what references imply
   */
  readonly after?: readonly Resource[];
}

/**
 * A VM cloned from the cluster's template catalogue, the way every platform
 * guest is made: full clone onto the default storage (or linked), pinned NIC order and
 * MACs, guest agent on, ownership tags, start on boot. Claims its VM id and
 * MACs in the cluster's identity registry.
 */
/** The guest user the engine logs in as, made by cloud-init with the cluster's guest key. */
export const GUEST_USER = 'pvecdk';

export class GuestVm extends Construct {
  readonly vm: VirtualEnvironmentVm;
  readonly vmId: number;
  readonly nodeName: string;
  readonly macAddresses: readonly string[];

  constructor(scope: Construct, id: string, props: GuestVmProps) {
    super(scope, id);
    const { cluster } = props;
    // Cloud-init writes DNS servers only with addresses: accepted alone, they would never reach the guest.
    if (props.dnsServers?.length && !props.addresses?.length)
      throw new ConstructError(
        this,
        'SYNTH_INVALID_PROPS',
        'dnsServers is set without addresses: cloud-init is only configured with static addresses, so the DNS servers would never reach the guest',
        'give the NICs addresses too, or remove dnsServers (the guest then keeps the DNS it has)',
      );
    this.vmId = props.vmId;
    this.nodeName = cluster.checkNode(props.node ?? cluster.defaultNode, this);
    cluster.identities.claim('vm_id', this.vmId, this);
    this.macAddresses = props.nics.map((nic, i) => {
      if (nic.macAddress === undefined)
        return cluster.identities.allocate(
          'mac_address',
          this,
          MAC_POOL,
          seedOf(`mac:${this.node.path}/net${i}`),
          `/net${i}`,
        );
      cluster.identities.claim('mac_address', nic.macAddress, this, `/net${i}`);
      return nic.macAddress;
    });

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
      // A linked clone stays on the template's storage: Proxmox takes no target storage for it.
      clone:
        props.clone === 'linked'
          ? { vmId: props.template, full: false }
          : { vmId: props.template, full: true, datastoreId: cluster.defaultStorage },
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
      initialization: {
        datastoreId: cluster.defaultStorage,
        // The user the engine logs in as (see target()), with the public half of the cluster's guest key:
        // cloud-init (Linux), cloudbase-init (Windows) and the pfSense template's first boot create it.
        userAccount: { username: GUEST_USER, keys: [{ publicKey: cluster.guestSshKey }] },
        ...(props.addresses?.length
          ? {
              ipConfig: props.addresses.map((a) => ({
                ipv4: { address: a.address, ...(a.gateway ? { gateway: a.gateway } : {}) },
              })),
            }
          : {}),
        ...(props.dnsServers?.length ? { dns: { servers: [...props.dnsServers] } } : {}),
      },
    });
    if (props.after?.length) this.vm.addDependency(...props.after);
  }

  /** How the engine reaches inside this guest: SSH to `host` as the pvecdk user, in `dialect`. */
  target(host: string, dialect: GuestDialect, privateKey: SecretValue): GuestTarget {
    return {
      vmId: this.vm.vmId,
      nodeName: this.vm.nodeName,
      host,
      username: GUEST_USER,
      dialect,
      privateKey,
    };
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
