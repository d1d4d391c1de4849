import { Construct } from 'constructs';
import { z } from 'zod';
import { ConstructError } from '../core/errors.ts';
import { Roles } from '../core/roles.ts';
import { SecretValue } from '../core/secret.ts';
import { renderFourDLink, renderRdsShortcutScript, renderRdsUserScript } from '../render/index.ts';
import type { GuestTarget } from '../resources/generated/guest-target.ts';
import { GuestFile } from '../resources/guest/guest-file.ts';
import { RdsShortcut } from '../resources/guest/rds-shortcut.ts';
import { RdsUser } from '../resources/guest/rds-user.ts';
import type { Bridge } from './bridge.ts';
import type { Cluster } from './cluster.ts';
import { FOUR_D_PORTS } from './customer-db-vm.ts';
import { GuestVm } from './guest-vm.ts';
import type { PfSenseRouter } from './pfsense-router.ts';
import { inConstruct, parseProps } from './private/errors.ts';
import { addressPool, seedOf } from './private/identity/allocators.ts';
import { cidrContains, formatCidr, formatIpv4, type Ipv4Cidr, parseIpv4 } from './private/identity/ipv4.ts';
import { rdsFenceRules } from './private/rds-fence.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';
import type { VpnAccess } from './vpn-access.ts';

export interface RdsHostProps {
  /** The cluster the RDS VM runs on (cloned from its `templates.windowsServer`). */
  readonly cluster: Cluster;
  /** The DMZ bridge the host's only NIC attaches to. */
  readonly dmz: Bridge;
  /** The router that gets the rule letting the host reach the 4D servers on the LAN. */
  readonly router: PfSenseRouter;
  /** The VPN whose clients may reach the host on Remote Desktop (3389). */
  readonly vpn: VpnAccess;
  /**
   * Its DMZ address (IPv4, inside the DMZ subnet).
   * @default - derived from the construct path, inside the DMZ subnet, never among its 10 lowest
   * addresses
   */
  readonly address?: string;
  /**
   * The host's Proxmox VM id, at least 100.
   * @default - derived from the construct path, inside the cluster's `platformVmIds`
   */
  readonly vmId?: number;
  /**
   * The Proxmox node the VM is created on; one of the cluster's nodes.
   * @default - the cluster's `defaultNode`
   */
  readonly node?: string;
  /**
   * Virtual CPU cores, 2 to 128.
   * @default 8
   */
  readonly cores?: number;
  /**
   * Memory in MiB, 4096 to 1048576.
   * @default 32768
   */
  readonly memoryMiB?: number;
  /**
   * Where the ShowGrounds client is installed on the host (an absolute Windows path); the users'
   * shortcuts start it.
   * @default 'C:\\Program Files\\ShowGrounds\\ShowGrounds.exe'
   */
  readonly clientExe?: string;
  /**
   * The 4D database name the servers publish, written into each user's `.4DLink` file.
   * @default 'ShowGrounds'
   */
  readonly databaseName?: string;
}

/** A 4D server as the RDS host's shortcuts see it. */
export interface RdsServerRef {
  /** The 4D server's name, e.g. `acme-main`: names its `.4DLink` file and shortcut. */
  readonly name: string;
  /** The server's LAN address (IPv4) the ShowGrounds client connects to. */
  readonly address: string;
}

const WIN_PATH = /^[A-Za-z]:\\[^<>"|?*\n]+$/;

const PropsSchema = z.object({
  address: z.ipv4().optional(),
  vmId: z.number().int().min(100).optional(),
  node: z.string().optional(),
  cores: z.number().int().min(2).max(128).default(8),
  memoryMiB: z.number().int().min(4096).max(1_048_576).default(32_768),
  clientExe: z
    .string()
    .regex(WIN_PATH, 'an absolute Windows path')
    .default('C:\\Program Files\\ShowGrounds\\ShowGrounds.exe'),
  databaseName: z.string().min(1).default('ShowGrounds'),
});

// tsc fails here, naming the keys, when RdsHostProps and PropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<
  SchemaDrift<RdsHostProps, typeof PropsSchema, 'cluster' | 'dmz' | 'router' | 'vpn'>
>;

const LINK_ROOT = 'C:\\ShowGrounds\\Links';
const SHORTCUT_ROOT = 'C:\\ShowGrounds\\Shortcuts';
const LOGON_SCRIPT =
  'C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp\\pvecdk-shortcuts.cmd';

/**
 * The shared Windows Remote Desktop host on the DMZ. Reached only from VPN
 * clients on 3389; reaches the customers' 4D servers on the LAN. Each user
 * is a local account in "Remote Desktop Users" with one ShowGrounds shortcut
 * per 4D server they may use; a logon script mirrors the user's shortcut
 * folder onto their desktop (profiles do not exist before the first logon).
 */
export class RdsHost extends Construct {
  readonly cluster: Cluster;
  readonly address: string;
  readonly guest: GuestVm;
  readonly clientExe: string;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: RdsHostProps) {
    super(scope, id);
    const { cluster, dmz, router, vpn } = props;
    const p = parseProps(
      PropsSchema,
      { ...props, cluster: undefined, dmz: undefined, router: undefined, vpn: undefined },
      this.node.path,
      'RdsHost',
    );
    this.cluster = cluster;
    this.clientExe = p.clientExe;
    this.databaseName = p.databaseName;
    this.address =
      p.address ??
      inConstruct(this, () =>
        cluster.identities.allocate(
          'ipv4_address',
          this,
          addressPool(dmz.cidr!, 'DMZ addresses', 'the DMZ bridge cidr'),
          seedOf(`ip:${this.node.path}`),
        ),
      );
    if (!cidrContains(dmz.cidr!, parseIpv4(this.address))) {
      throw new ConstructError(
        this,
        'SYNTH_OUT_OF_RANGE',
        `address ${this.address} is not inside the DMZ ${formatCidr(dmz.cidr!)}`,
        `pick an address in ${formatCidr(dmz.cidr!)}, or leave address out to derive one`,
      );
    }
    cluster.identities.claim('ipv4_address', this.address, this);
    const vpnNetwork = formatCidr(vpn.tunnel);
    Roles.set(this, 'rds-host', { address: this.address, vpnNetwork });

    const gateway = formatIpv4(dmz.cidr!.network + 1);
    this.guest = new GuestVm(this, 'Guest', {
      cluster,
      name: 'rds',
      vmId: cluster.platformVmId(this, p.vmId),
      ...(p.node ? { node: p.node } : {}),
      template: cluster.templates.windowsServer,
      cores: p.cores,
      memoryMiB: p.memoryMiB,
      nics: [{ bridge: dmz.name, firewall: true }],
      osType: 'win11',
      description: 'Shared Remote Desktop host for ShowGrounds clients (pvecdk)',
      tags: ['rds'],
      addresses: [{ address: `${this.address}/${dmz.cidr!.prefix}`, gateway }],
      dnsServers: [gateway],
      startupOrder: 2,
      after: dmz.bridges,
    });
    this.guest.firewall([
      {
        type: 'in',
        action: 'ACCEPT',
        proto: 'tcp',
        source: vpnNetwork,
        dport: '3389',
        comment: 'Remote Desktop from VPN clients',
      },
      {
        type: 'in',
        action: 'ACCEPT',
        proto: 'tcp',
        source: cluster.managementSource,
        dport: '22,5985',
        comment: 'management',
      },
    ]);
    vpn.allowTo(this.address, 3389, 'VPN clients to the RDS host');
    router.addRule({
      interface: 'dmz',
      action: 'pass',
      protocol: 'tcp',
      source: this.address,
      destination: 'lan',
      destinationPort: `${FOUR_D_PORTS.first}-${FOUR_D_PORTS.last}`,
      description: 'RDS host to the 4D servers',
    });

    new GuestFile(this, 'LogonScript', {
      target: this.guestTarget(),
      path: LOGON_SCRIPT,
      content: [
        '@echo off',
        "rem pvecdk: mirror this user's ShowGrounds shortcuts onto their desktop at every logon",
        `if exist "${SHORTCUT_ROOT}\\%USERNAME%" robocopy "${SHORTCUT_ROOT}\\%USERNAME%" "%USERPROFILE%\\Desktop\\ShowGrounds" *.lnk /MIR /NJH /NJS /NP >nul`,
        '',
      ].join('\r\n'),
    });
  }

  guestTarget(): GuestTarget {
    return this.guest.target(this.address, 'powershell', this.cluster.guestSshKey);
  }

  /**
   * A local account on the host for `name`, created in `scope` (the customer's stack), fenced:
   * outbound Windows Firewall rules scoped to the account let it reach the 4D ports of `servers`
   * only, and of no other address of `lan`.
   */
  addUser(
    scope: Construct,
    options: {
      /** The Windows account name (`acme.alice`). */
      readonly name: string;
      /**
       * The account's full name.
       * @default - none: the account has no full name
       */
      readonly fullName?: string;
      /** The 4D servers the user may open: the only ones their account may reach. */
      readonly servers: readonly RdsServerRef[];
      /** The network the 4D servers live in (the LAN): its other addresses are fenced off. */
      readonly lan: Ipv4Cidr;
    },
  ): RdsUser {
    this.cluster.identities.claim('user_name', `rds:${options.name.toLowerCase()}`, scope);
    const rules = inConstruct(scope, () => rdsFenceRules(options.name, options.servers, options.lan));
    const groups = ['Remote Desktop Users'];
    return new RdsUser(scope, 'RdsUser', {
      target: this.guestTarget(),
      userName: options.name,
      ...(options.fullName ? { fullName: options.fullName } : {}),
      password: SecretValue.generated(`rds/users/${options.name}`),
      groups,
      outboundRules: rules,
      folders: [`${SHORTCUT_ROOT}\\${options.name}`, `${LINK_ROOT}\\${options.name}`],
      script: inConstruct(scope, () =>
        renderRdsUserScript({
          userName: options.name,
          ...(options.fullName ? { fullName: options.fullName } : {}),
          groups,
          passwordVariable: 'PVECDK_PASSWORD',
          rules: rules.map((r) => ({
            name: r.name,
            displayName: r.displayName,
            action: r.action,
            ports: r.remotePorts,
            addresses: r.remoteAddresses,
          })),
        }),
      ),
    });
  }

  /** One ShowGrounds shortcut for `userName` opening `server`, created in `scope`. */
  addShortcut(scope: Construct, id: string, userName: string, server: RdsServerRef): RdsShortcut {
    // Each user's link files in their own folder: removing one user's shortcut never takes another's link.
    const linkPath = `${LINK_ROOT}\\${userName}\\${server.name}.4DLink`;
    const shortcutPath = `${SHORTCUT_ROOT}\\${userName}\\ShowGrounds - ${server.name}.lnk`;
    const description = `ShowGrounds on ${server.name}`;
    const linkContent = inConstruct(scope, () =>
      renderFourDLink({ databaseName: this.databaseName, serverAddress: server.address, port: 19813 }),
    );
    return new RdsShortcut(scope, id, {
      target: this.guestTarget(),
      userName,
      serverName: server.name,
      linkPath,
      linkContent,
      shortcutPath,
      clientExe: this.clientExe,
      description,
      script: inConstruct(scope, () =>
        renderRdsShortcutScript({
          userName,
          linkPath,
          linkContent,
          shortcutPath,
          clientExe: this.clientExe,
          description,
        }),
      ),
    });
  }
}
