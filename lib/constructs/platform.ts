import type { Construct } from 'constructs';
import { AspectPriority, Aspects } from '../core/aspects.ts';
import { SynthError } from '../core/errors.ts';
import { Stack } from '../core/stack.ts';
import { PlatformPolicies } from '../policy/platform-policies.ts';
import { Bridge } from './bridge.ts';
import { Cluster, type ClusterProps } from './cluster.ts';
import { PfSenseRouter } from './pfsense-router.ts';
import { RdsHost, type RdsHostProps } from './rds-host.ts';
import { VpnAccess, type VpnAccessProps } from './vpn-access.ts';

export interface PlatformProps {
  /**
   * The configured remote (cluster) this platform deploys to.
   * @default - the context value `remote`, else `'default'`
   */
  readonly remote?: string;
  /**
   * The platform stack's description, written into its plan.
   * @default - none
   */
  readonly description?: string;
  /** The Proxmox cluster: nodes, storages, templates, VM id ranges, management access. */
  readonly cluster: ClusterProps;
  /** The WAN bridge `vmbr0` and the router's side of it. */
  readonly wan: {
    /** The physical NIC of vmbr0 on every node, e.g. `eno1`. */
    readonly physicalPort: string;
    /**
     * Each node's own address on vmbr0, with prefix, e.g. `{ pve1: '203.0.113.11/24' }`.
     * @default - no address is set: each node keeps the one it has
     */
    readonly hostAddresses?: Record<string, string>;
    /**
     * The nodes' default gateway (IPv4) on vmbr0, set on the nodes listed in `hostAddresses`.
     * @default - no gateway is set
     */
    readonly gateway?: string;
    /** The router's WAN address with prefix (`203.0.113.10/24`), or `dhcp`. */
    readonly routerAddress: string;
    /**
     * The router's WAN gateway (IPv4).
     * @default - none: no WAN gateway entry is configured on the router
     */
    readonly routerGateway?: string;
  };
  /** The LAN bridge `vmbr1`, where the customers' 4D servers live. */
  readonly lan: {
    /** The LAN subnet (IPv4 CIDR); a /22 or larger gives each customer its own /24. */
    readonly cidr: string;
    /**
     * Carry 802.1Q tags on the LAN bridge.
     * @default false
     */
    readonly vlanAware?: boolean;
  };
  /** The DMZ bridge `vmbr2`, where the RDS host lives. */
  readonly dmz: {
    /** The DMZ subnet (IPv4 CIDR). */
    readonly cidr: string;
  };
  /** The VPN server on the router, the only way in for customers' users. */
  readonly vpn: Pick<VpnAccessProps, 'kind' | 'endpoint' | 'port' | 'tunnelNetwork'>;
  /**
   * Settings of the shared Remote Desktop host on the DMZ.
   * @default {} (every setting at RdsHost's default)
   */
  readonly rds?: Pick<
    RdsHostProps,
    'address' | 'cores' | 'memoryMiB' | 'clientExe' | 'databaseName' | 'node' | 'vmId'
  >;
}

/** A 4D server some customer owns, as other customers' users see it. */
export interface PlatformServer {
  /** The 4D server's name, unique on the platform (`acme-main`). */
  readonly name: string;
  /** The customer that owns it. */
  readonly customer: string;
  /** Its LAN address (IPv4). */
  readonly address: string;
  /**
   * The server's construct in its customer's stack: a user of another customer who opens it
   * records the use (Stack.recordUse), so destroying that customer warns about them.
   * @default - none: uses of the server are not recorded
   */
  readonly construct?: Construct;
}

/**
 * The shared hosting platform as one stack: the cluster, the three bridges,
 * the pfSense router, the VPN, and the RDS host, with the security policies
 * on. Customers are added with `new Customer(platform, 'acme', {...})`.
 */
export class Platform extends Stack {
  readonly cluster: Cluster;
  readonly wan: Bridge;
  readonly lan: Bridge;
  readonly dmz: Bridge;
  readonly router: PfSenseRouter;
  readonly vpn: VpnAccess;
  readonly rds: RdsHost;
  private readonly servers = new Map<string, PlatformServer>();
  /** Server names a customer declared but could not build (its props are wrong): already reported. */
  private readonly unbuilt = new Map<string, string>();

  constructor(scope: Construct, id: string, props: PlatformProps) {
    super(scope, id, {
      ...(props.remote ? { remote: props.remote } : {}),
      ...(props.description ? { description: props.description } : {}),
    });
    Aspects.of(this.node.root).add(new PlatformPolicies(), { priority: AspectPriority.READONLY });
    this.cluster = new Cluster(this, 'Cluster', props.cluster);
    this.wan = new Bridge(this, 'Wan', {
      cluster: this.cluster,
      name: 'vmbr0',
      role: 'wan',
      physicalPort: props.wan.physicalPort,
      ...(props.wan.hostAddresses ? { hostAddresses: props.wan.hostAddresses } : {}),
      ...(props.wan.gateway ? { gateway: props.wan.gateway } : {}),
    });
    this.lan = new Bridge(this, 'Lan', {
      cluster: this.cluster,
      name: 'vmbr1',
      role: 'lan',
      cidr: props.lan.cidr,
      ...(props.lan.vlanAware ? { vlanAware: true } : {}),
    });
    this.dmz = new Bridge(this, 'Dmz', {
      cluster: this.cluster,
      name: 'vmbr2',
      role: 'dmz',
      cidr: props.dmz.cidr,
    });
    this.router = new PfSenseRouter(this, 'Router', {
      cluster: this.cluster,
      wan: this.wan,
      lan: this.lan,
      dmz: this.dmz,
      wanAddress: props.wan.routerAddress,
      ...(props.wan.routerGateway ? { wanGateway: props.wan.routerGateway } : {}),
    });
    this.vpn = new VpnAccess(this, 'Vpn', { router: this.router, ...props.vpn });
    this.rds = new RdsHost(this, 'Rds', {
      cluster: this.cluster,
      dmz: this.dmz,
      router: this.router,
      vpn: this.vpn,
      ...props.rds,
    });
  }

  /** Called by Customer: makes a 4D server known to every customer file loaded after it. */
  registerServer(server: PlatformServer): void {
    const other = this.servers.get(server.name);
    if (other) {
      throw new SynthError(
        'SYNTH_CONFLICT',
        `4D server name ${server.name} is used by customer ${other.customer} and customer ${server.customer}`,
        'a 4D server name is unique on the platform: rename one of the two servers',
      );
    }
    this.servers.set(server.name, server);
  }

  /**
   * Called by Customer for servers it declares but cannot build, its props
   * being wrong (an error it reports itself): users naming them are not
   * reported again as naming an unknown server.
   */
  declareUnbuiltServer(name: string, customer: string): void {
    if (!this.servers.has(name)) this.unbuilt.set(name, customer);
  }

  /** The customer that declared `name` but could not build it, if one did. */
  unbuiltServer(name: string): string | undefined {
    return this.unbuilt.get(name);
  }

  server(name: string): PlatformServer | undefined {
    return this.servers.get(name);
  }

  get serverNames(): string[] {
    return [...this.servers.keys()].sort();
  }
}
