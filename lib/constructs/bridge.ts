import { Construct } from 'constructs';
import { z } from 'zod';
import { ConstructError } from '../core/errors.ts';
import { Roles } from '../core/roles.ts';
import { VirtualEnvironmentNetworkLinuxBridge } from '../resources/index.ts';
import type { Cluster } from './cluster.ts';
import { checked, inConstruct, parseProps } from './private/errors.ts';
import {
  cidrsOverlap,
  formatCidr,
  type Ipv4Cidr,
  parseCidr,
  parseInterfaceAddress,
  parseIpv4,
} from './private/identity/ipv4.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';

export type BridgeRole = 'wan' | 'lan' | 'dmz';

export interface BridgeProps {
  /** The cluster whose every node gets the bridge. */
  readonly cluster: Cluster;
  /** The Linux bridge name, `vmbrN` (N up to 4 digits): `vmbr0`, `vmbr1`, ... */
  readonly name: string;
  /** What the bridge is on the platform; the platform has one bridge of each role. */
  readonly role: BridgeRole;
  /**
   * WAN only, and required there: the physical NIC the bridge carries, one name for every node
   * (`eno1`).
   * @default - none; refused on the LAN and DMZ bridges
   */
  readonly physicalPort?: string;
  /**
   * WAN only: each node's own address on the bridge, with prefix (`{ pve1: '203.0.113.11/24' }`).
   * @default - no address is set: each node keeps the one it has
   */
  readonly hostAddresses?: Record<string, string>;
  /**
   * WAN only: the hosts' default gateway (IPv4), set on the nodes that have a `hostAddresses` entry.
   * @default - no gateway is set
   */
  readonly gateway?: string;
  /**
   * LAN/DMZ only, and required there: the subnet (IPv4 CIDR) behind pfSense on this bridge; must
   * not overlap another bridge's.
   * @default - none; refused on the WAN bridge
   */
  readonly cidr?: string;
  /**
   * LAN only: carry 802.1Q tags (one VLAN per customer, if wanted).
   * @default false
   */
  readonly vlanAware?: boolean;
  /**
   * The bridge's MTU, 576 to 65520.
   * @default - none is set: no `mtu` option is written for the bridge
   */
  readonly mtu?: number;
}

const IPV4_CIDR = z.string().superRefine(checked((v: string) => parseCidr(v)));

const BridgePropsSchema = z
  .object({
    name: z.string().regex(/^vmbr\d{1,4}$/, 'a Linux bridge name vmbrN'),
    role: z.enum(['wan', 'lan', 'dmz']),
    physicalPort: z
      .string()
      .regex(/^[a-z][a-z0-9.]{1,14}$/, 'a network interface name such as eno1')
      .optional(),
    hostAddresses: z
      .record(z.string(), z.string().superRefine(checked((v: string) => parseInterfaceAddress(v))))
      .optional(),
    gateway: z
      .string()
      .superRefine(checked((v: string) => parseIpv4(v)))
      .optional(),
    cidr: IPV4_CIDR.optional(),
    vlanAware: z.boolean().optional(),
    mtu: z.number().int().min(576).max(65_520).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.role === 'wan') {
      if (!p.physicalPort)
        ctx.addIssue({
          code: 'custom',
          path: ['physicalPort'],
          message: 'the WAN bridge needs the physical NIC it bridges (e.g. eno1)',
        });
      if (p.cidr)
        ctx.addIssue({
          code: 'custom',
          path: ['cidr'],
          message: 'the WAN bridge has host addresses, not a routed subnet',
        });
      if (p.vlanAware)
        ctx.addIssue({
          code: 'custom',
          path: ['vlanAware'],
          message: 'only the LAN bridge is VLAN-aware on this platform',
        });
    } else {
      if (p.physicalPort) {
        ctx.addIssue({
          code: 'custom',
          path: ['physicalPort'],
          message: `the ${p.role.toUpperCase()} bridge must not carry a physical port: it is an internal switch behind pfSense`,
        });
      }
      if (!p.cidr)
        ctx.addIssue({
          code: 'custom',
          path: ['cidr'],
          message: `the ${p.role.toUpperCase()} bridge needs its subnet (cidr)`,
        });
      if (p.hostAddresses || p.gateway) {
        ctx.addIssue({
          code: 'custom',
          path: ['hostAddresses'],
          message: 'the hosts take no address on internal bridges; pfSense is their gateway',
        });
      }
      if (p.role === 'dmz' && p.vlanAware)
        ctx.addIssue({ code: 'custom', path: ['vlanAware'], message: 'only the LAN bridge is VLAN-aware' });
    }
  });

// tsc fails here, naming the keys, when BridgeProps and BridgePropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<SchemaDrift<BridgeProps, typeof BridgePropsSchema, 'cluster'>>;

const bridgesOf = new WeakMap<Cluster, Bridge[]>();

/**
 * A Linux bridge on every node of the cluster. vmbr0 (WAN) carries the
 * physical NIC and the hosts' addresses; vmbr1 (LAN) and vmbr2 (DMZ) are
 * internal switches with no physical port, pfSense routes between them.
 */
export class Bridge extends Construct {
  readonly cluster: Cluster;
  readonly name: string;
  readonly role: BridgeRole;
  /** The routed subnet (LAN/DMZ). */
  readonly cidr: Ipv4Cidr | undefined;
  readonly bridges: readonly VirtualEnvironmentNetworkLinuxBridge[];

  constructor(scope: Construct, id: string, props: BridgeProps) {
    super(scope, id);
    const { cluster, ...rest } = props;
    const p = parseProps(BridgePropsSchema, rest, this.node.path, 'Bridge');
    this.cluster = cluster;
    this.name = p.name;
    this.role = p.role;
    this.cidr = p.cidr ? inConstruct(this, () => parseCidr(p.cidr!)) : undefined;
    Roles.set(this, `${p.role}-bridge`, { name: p.name, ...(p.cidr ? { cidr: p.cidr } : {}) });

    for (const node of Object.keys(p.hostAddresses ?? {})) cluster.checkNode(node, this, 'hostAddresses');
    this.checkAgainstSiblings(cluster);

    this.bridges = cluster.nodes.map(
      (node) =>
        new VirtualEnvironmentNetworkLinuxBridge(this, node, {
          nodeName: node,
          name: p.name,
          comment: `pvecdk ${p.role}`,
          autostart: true,
          ...(p.role === 'wan' ? { ports: [p.physicalPort!] } : {}),
          ...(p.hostAddresses?.[node] ? { address: p.hostAddresses[node] } : {}),
          ...(p.gateway && p.hostAddresses?.[node] ? { gateway: p.gateway } : {}),
          ...(p.vlanAware ? { vlanAware: true } : {}),
          ...(p.mtu ? { mtu: p.mtu } : {}),
        }),
    );
  }

  private checkAgainstSiblings(cluster: Cluster): void {
    const siblings = bridgesOf.get(cluster) ?? [];
    for (const other of siblings) {
      if (other.name === this.name) {
        throw new ConstructError(
          this,
          'SYNTH_CONFLICT',
          `bridge ${this.name} is already defined by ${other.node.path}`,
          'give each bridge its own name (vmbr0, vmbr1, ...)',
        );
      }
      if (other.role === this.role) {
        throw new ConstructError(
          this,
          'SYNTH_CONFLICT',
          `the platform has one ${this.role.toUpperCase()} bridge, already ${other.node.path}`,
          `use the platform's ${this.role} bridge instead of a second one`,
        );
      }
      if (this.cidr && other.cidr && cidrsOverlap(this.cidr, other.cidr)) {
        throw new ConstructError(
          this,
          'SYNTH_CONFLICT',
          `subnet ${formatCidr(this.cidr)} overlaps ${formatCidr(other.cidr)} of ${other.node.path}`,
          'give each bridge a subnet of its own, apart from the others',
        );
      }
    }
    bridgesOf.set(cluster, [...siblings, this]);
  }
}
