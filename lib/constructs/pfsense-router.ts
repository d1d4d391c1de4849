import { Construct } from 'constructs';
import { z } from 'zod';
import { AspectPriority, Aspects } from '../core/aspects.ts';
import { ConstructError } from '../core/errors.ts';
import { Roles } from '../core/roles.ts';
import type { GuestTarget } from '../resources/generated/guest-target.ts';
import { PfsenseConfig } from '../resources/guest/pfsense-config.ts';
import type { Bridge } from './bridge.ts';
import type { Cluster } from './cluster.ts';
import { GuestVm } from './guest-vm.ts';
import { checked, inConstruct, parseProps } from './private/errors.ts';
import {
  cidrContains,
  formatCidr,
  formatIpv4,
  parseInterfaceAddress,
  parseIpv4,
} from './private/identity/ipv4.ts';
import { renderRouterConfig } from './private/router-config-render.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';
import {
  PFSENSE_INTERFACE,
  type RouterAlias,
  RouterAliasSchema,
  type RouterPortForward,
  RouterPortForwardSchema,
  type RouterRule,
  RouterRuleSchema,
} from './router-rule.ts';

export interface PfSenseRouterProps {
  /** The cluster the router VM runs on (cloned from its `templates.pfsense`). */
  readonly cluster: Cluster;
  /** The WAN bridge: the router's `net0` (vtnet0, pfSense's WAN). */
  readonly wan: Bridge;
  /** The LAN bridge: the router's `net1` (vtnet1, pfSense's LAN). */
  readonly lan: Bridge;
  /** The DMZ bridge: the router's `net2` (vtnet2, pfSense's OPT1). */
  readonly dmz: Bridge;
  /** The router's WAN address with prefix (`203.0.113.10/24`), or `dhcp`. */
  readonly wanAddress: string;
  /**
   * The WAN gateway (IPv4): pfSense's gateway `WANGW` on the WAN interface.
   * @default - none: no WAN gateway entry is configured
   */
  readonly wanGateway?: string;
  /**
   * The router's LAN address (IPv4, inside the LAN subnet), the LAN's gateway.
   * @default - the first host of the LAN subnet (`.1` of a /24)
   */
  readonly lanAddress?: string;
  /**
   * The router's DMZ address (IPv4, inside the DMZ subnet), the DMZ's gateway.
   * @default - the first host of the DMZ subnet (`.1` of a /24)
   */
  readonly dmzAddress?: string;
  /**
   * The router's host name, also the VM name: lower-case letters, digits and `-`, starting with a
   * letter, at most 63 characters.
   * @default 'fw'
   */
  readonly hostname?: string;
  /**
   * The router's DNS domain (lower-case letters, digits, `.` and `-`).
   * @default 'platform.internal'
   */
  readonly domain?: string;
  /**
   * The router's Proxmox VM id, at least 100.
   * @default - derived from the construct path, inside the cluster's `platformVmIds`
   */
  readonly vmId?: number;
  /**
   * The Proxmox node the router VM is created on; one of the cluster's nodes.
   * @default - the cluster's `defaultNode`
   */
  readonly node?: string;
  /**
   * Virtual CPU cores, 1 to 32.
   * @default 2
   */
  readonly cores?: number;
  /**
   * Memory in MiB, 1024 to 65536.
   * @default 2048
   */
  readonly memoryMiB?: number;
  /**
   * Router snapshots the engine keeps, taken before each critical change of its config, 1 to 50.
   * @default 5
   */
  readonly snapshotRetention?: number;
}

const PropsSchema = z.object({
  wanAddress: z.union([
    z.literal('dhcp'),
    z.string().superRefine(checked((v: string) => parseInterfaceAddress(v))),
  ]),
  wanGateway: z.ipv4().optional(),
  lanAddress: z.ipv4().optional(),
  dmzAddress: z.ipv4().optional(),
  hostname: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/)
    .default('fw'),
  domain: z
    .string()
    .regex(/^[a-z0-9.-]+$/)
    .default('platform.internal'),
  vmId: z.number().int().min(100).optional(),
  node: z.string().optional(),
  cores: z.number().int().min(1).max(32).default(2),
  memoryMiB: z.number().int().min(1024).max(65_536).default(2048),
  snapshotRetention: z.number().int().min(1).max(50).default(5),
});

// tsc fails here, naming the keys, when PfSenseRouterProps and PropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<
  SchemaDrift<PfSenseRouterProps, typeof PropsSchema, 'cluster' | 'wan' | 'lan' | 'dmz'>
>;

/**
 * The pfSense router VM: three NICs in a fixed order with pinned MACs
 * (net0→vtnet0→WAN on vmbr0, net1→vtnet1→LAN on vmbr1, net2→vtnet2→DMZ on
 * vmbr2), its interface addresses, aliases, filter rules and port forwards,
 * rendered into config.xml sections applied as one critical change.
 */
export class PfSenseRouter extends Construct {
  readonly cluster: Cluster;
  readonly guest: GuestVm;
  readonly lan: Bridge;
  readonly dmz: Bridge;
  readonly lanAddress: string;
  readonly dmzAddress: string;
  readonly wanAddress: string;
  readonly hostname: string;
  readonly domain: string;
  readonly config: PfsenseConfig;
  private readonly rules: RouterRule[] = [];
  private readonly forwards: RouterPortForward[] = [];
  private readonly aliases: RouterAlias[] = [];
  private readonly extraSections = new Map<string, string>();
  private readonly secretRefs = new Set<string>();
  private readonly wanGateway: string | undefined;

  constructor(scope: Construct, id: string, props: PfSenseRouterProps) {
    super(scope, id);
    const { cluster, wan, lan, dmz } = props;
    const p = parseProps(
      PropsSchema,
      { ...props, cluster: undefined, wan: undefined, lan: undefined, dmz: undefined },
      this.node.path,
      'PfSenseRouter',
    );
    if (wan.role !== 'wan' || lan.role !== 'lan' || dmz.role !== 'dmz') {
      throw new ConstructError(
        this,
        'SYNTH_INVALID_PROPS',
        `wan, lan and dmz must be the WAN, LAN and DMZ bridges (got ${wan.role}, ${lan.role}, ${dmz.role})`,
        "pass the platform's bridges by role: wan: the WAN bridge, lan: the LAN bridge, dmz: the DMZ bridge",
      );
    }
    this.cluster = cluster;
    this.lan = lan;
    this.dmz = dmz;
    this.hostname = p.hostname;
    this.domain = p.domain;
    this.wanAddress = p.wanAddress;
    this.wanGateway = p.wanGateway;
    this.lanAddress = p.lanAddress ?? formatIpv4(lan.cidr!.network + 1);
    this.dmzAddress = p.dmzAddress ?? formatIpv4(dmz.cidr!.network + 1);
    for (const [addr, bridge] of [
      [this.lanAddress, lan],
      [this.dmzAddress, dmz],
    ] as const) {
      if (!cidrContains(bridge.cidr!, parseIpv4(addr))) {
        throw new ConstructError(
          this,
          'SYNTH_OUT_OF_RANGE',
          `${addr} is not inside ${bridge.name}'s subnet ${formatCidr(bridge.cidr!)}`,
          `pick an address in ${formatCidr(bridge.cidr!)}, or leave it out to use the subnet's first address`,
        );
      }
      cluster.identities.claim('ipv4_address', addr, this);
    }
    Roles.set(this, 'router', { lanAddress: this.lanAddress, dmzAddress: this.dmzAddress });

    this.guest = new GuestVm(this, 'Guest', {
      cluster,
      name: p.hostname,
      vmId: cluster.platformVmId(this, p.vmId),
      ...(p.node ? { node: p.node } : {}),
      template: cluster.templates.pfsense,
      cores: p.cores,
      memoryMiB: p.memoryMiB,
      // The order is the contract with FreeBSD: net0→vtnet0 (WAN), net1→vtnet1 (LAN), net2→vtnet2 (DMZ).
      nics: [
        { bridge: wan.name, firewall: false },
        { bridge: lan.name, firewall: false },
        { bridge: dmz.name, firewall: false },
      ],
      osType: 'other',
      description: 'pfSense router of the hosting platform (pvecdk)',
      tags: ['router'],
      startupOrder: 1,
      after: [...wan.bridges, ...lan.bridges, ...dmz.bridges],
    });

    this.config = new PfsenseConfig(this, 'Config', {
      target: this.guestTarget(),
      sections: {},
      snapshotRetention: p.snapshotRetention,
    });
    // Rules may be added after construction; render once everything is in.
    Aspects.of(this).add(
      {
        visit: (node) => {
          if (node === this) this.render();
        },
      },
      { priority: AspectPriority.MUTATING },
    );
  }

  /** How the engine reaches the router: over its LAN address as the pvecdk user. */
  guestTarget(): GuestTarget {
    return this.guest.target(this.lanAddress, 'pfsense', this.cluster.guestSshKey);
  }

  addRule(rule: RouterRule): void {
    this.rules.push(parseProps(RouterRuleSchema, rule, this.node.path, 'PfSenseRouter rule'));
  }

  addPortForward(forward: RouterPortForward): void {
    this.forwards.push(
      parseProps(RouterPortForwardSchema, forward, this.node.path, 'PfSenseRouter port forward'),
    );
  }

  addAlias(alias: RouterAlias): void {
    const a = parseProps(RouterAliasSchema, alias, this.node.path, 'PfSenseRouter alias');
    if (this.aliases.some((x) => x.name === a.name))
      throw new ConstructError(
        this,
        'SYNTH_CONFLICT',
        `alias ${a.name} is defined twice`,
        'give each alias its own name, or add the entries to the one alias',
      );
    this.aliases.push(a);
  }

  /** A config.xml section another construct owns on this router (e.g. the VPN server). */
  setSection(name: string, xml: string, secrets: readonly string[] = []): void {
    this.extraSections.set(name, xml);
    for (const s of secrets) this.secretRefs.add(s);
  }

  private render(): void {
    const rendered = inConstruct(this, () =>
      renderRouterConfig({
        hostname: this.hostname,
        domain: this.domain,
        wan: { address: this.wanAddress, gateway: this.wanGateway },
        lan: { address: this.lanAddress, prefix: this.lan.cidr!.prefix },
        dmz: { address: this.dmzAddress, prefix: this.dmz.cidr!.prefix },
        rules: this.rules,
        portForwards: this.forwards,
        aliases: this.aliases,
      }),
    );
    const sections = { ...rendered, ...Object.fromEntries(this.extraSections) };
    this.config.update({
      sections,
      rules: this.rules.map((r) => ({
        interface: PFSENSE_INTERFACE[r.interface],
        type: r.action,
        protocol: r.protocol,
        source: r.source,
        destination: r.destination,
        destinationPort: r.destinationPort ?? 'any',
        description: r.description,
      })),
      portForwards: this.forwards.map((f) => ({ interface: 'wan', ...f })),
      secrets: [...this.secretRefs].sort(),
    });
  }
}
