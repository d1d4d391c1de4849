import { Construct } from 'constructs';
import { z } from 'zod';
import { ConstructError } from '../core/errors.ts';
import type { Ref } from '../core/reference.ts';
import { Roles } from '../core/roles.ts';
import { renderWindowsFirewallCheck, renderWindowsFirewallScript } from '../render/index.ts';
import { GuestCommand } from '../resources/guest/guest-command.ts';
import { BackupJob, VirtualEnvironmentHaresource } from '../resources/index.ts';
import type { Bridge } from './bridge.ts';
import type { Cluster } from './cluster.ts';
import { GuestVm } from './guest-vm.ts';
import { inConstruct, parseProps } from './private/errors.ts';
import { cidrContains, formatCidr, formatIpv4, netmask, parseIpv4 } from './private/identity/ipv4.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';

/** 4D Server's ports: SQL 19812, application 19813, DB4D 19814, debugger 19815. */
export const FOUR_D_PORTS = { first: 19812, last: 19815 } as const;

/**
 * A vzdump backup job's schedule and retention. In `CustomerDbVmProps.backup`
 * every field may be left out, taking the default shown.
 */
export interface BackupPolicy {
  /**
   * When the job runs: a Proxmox calendar event, e.g. `*-*-* 02:30` or `mon..fri 22:00`.
   * @default '*-*-* 02:30' (every day at 02:30)
   */
  readonly schedule: string;
  /**
   * How many daily backups to keep (Proxmox `keep-daily`), 0 to 366.
   * @default 7
   */
  readonly keepDaily: number;
  /**
   * How many weekly backups to keep (Proxmox `keep-weekly`), 0 to 520.
   * @default 4
   */
  readonly keepWeekly: number;
  /**
   * How many monthly backups to keep (Proxmox `keep-monthly`), 0 to 1200.
   * @default 6
   */
  readonly keepMonthly: number;
}

export interface CustomerDbVmProps {
  /** The cluster the VM runs on: its nodes, storages, templates and identity registry. */
  readonly cluster: Cluster;
  /** The LAN bridge the VM's only NIC attaches to; its subnet holds `address`. */
  readonly lan: Bridge;
  /**
   * Customer name, for tags, descriptions and policies: lower-case letters, digits and `-`,
   * starting with a letter, at most 31 characters.
   */
  readonly customer: string;
  /**
   * DNS-style name of the 4D server, unique on the platform (`acme-main`): lower-case letters,
   * digits and `-`, starting with a letter, at most 63 characters. Also the VM's name.
   */
  readonly serverName: string;
  /** The Proxmox VM id, 100 to 999999999, unique in the cluster. */
  readonly vmId: number;
  /** The VM's LAN address, an IPv4 address inside the LAN subnet (the prefix is the LAN's). */
  readonly address: string;
  /** The RDS host's IPv4 address: the only client allowed on the 4D ports. */
  readonly rdsAddress: string;
  /** The VPN tunnel network (CIDR), which must never reach this VM directly (checked by policy). */
  readonly vpnNetwork: string;
  /**
   * The guest OS: `windows` clones the cluster's Windows Server template and adds a Windows
   * Firewall rule for the 4D ports inside the guest; `linux` clones the Debian template.
   * @default 'windows'
   */
  readonly os?: 'windows' | 'linux';
  /**
   * Virtual CPU cores, 1 to 64.
   * @default 4
   */
  readonly cores?: number;
  /**
   * Memory in MiB, 1024 to 1048576.
   * @default 8192
   */
  readonly memoryMiB?: number;
  /**
   * Size of the database disk (`scsi1`) in GiB, 1 to 65536, on the cluster's default storage.
   * It can only grow.
   * @default 100
   */
  readonly dataDiskGb?: number;
  /**
   * What may happen to the database disk: `delete` (destroying it needs
   * --allow-destroy-data), `detach` (kept as an unused disk of the VM when it
   * leaves the plan) or `retain` (never destroyed by a deploy or destroy until
   * changed back).
   * @default 'delete'
   */
  readonly dataDiskLifecycle?: 'delete' | 'detach' | 'retain';
  /**
   * The Proxmox node the VM is created on; one of the cluster's nodes.
   * @default - the cluster's `defaultNode`
   */
  readonly node?: string;
  /**
   * The resource pool the VM joins.
   * @default - in no pool
   */
  readonly poolId?: Ref<string>;
  /**
   * The VM's vzdump backup job, onto the cluster's `backupStorage` (else its
   * `defaultStorage`), in snapshot mode with zstd; `false` for none.
   * @default {} (every field of BackupPolicy at its default)
   */
  readonly backup?: Partial<BackupPolicy> | false;
  /**
   * Guest snapshots the engine keeps of this VM, taken before each critical
   * change inside the guest (the Windows Firewall rule); 1 to 50.
   * @default 5
   */
  readonly snapshotRetention?: number;
  /**
   * Put the VM under Proxmox HA (restarted, or relocated on node failure), in state `started`.
   * @default false
   */
  readonly highAvailability?: boolean;
}

const PropsSchema = z.object({
  customer: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'a lower-case customer name'),
  serverName: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a lower-case DNS label such as acme-main'),
  vmId: z.number().int().min(100).max(999_999_999),
  address: z.ipv4(),
  rdsAddress: z.ipv4(),
  vpnNetwork: z.string(),
  os: z.enum(['windows', 'linux']).default('windows'),
  cores: z.number().int().min(1).max(64).default(4),
  memoryMiB: z.number().int().min(1024).max(1_048_576).default(8192),
  dataDiskGb: z.number().int().min(1).max(65_536).default(100),
  dataDiskLifecycle: z.enum(['delete', 'detach', 'retain']).default('delete'),
  node: z.string().optional(),
  backup: z
    .union([
      z.literal(false),
      z.strictObject({
        schedule: z.string().min(1).optional(),
        keepDaily: z.number().int().min(0).max(366).optional(),
        keepWeekly: z.number().int().min(0).max(520).optional(),
        keepMonthly: z.number().int().min(0).max(1200).optional(),
      }),
    ])
    .default({}),
  snapshotRetention: z.number().int().min(1).max(50).default(5),
  highAvailability: z.boolean().default(false),
});

// tsc fails here, naming the keys, when CustomerDbVmProps and PropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<
  SchemaDrift<CustomerDbVmProps, typeof PropsSchema, 'cluster' | 'lan' | 'poolId'>
>;

/**
 * A customer's 4D Server VM on the LAN. Its VM firewall drops everything
 * except the RDS host on the 4D ports and the management source, so customers
 * cannot reach each other and VPN clients cannot reach it directly. Backed up
 * by vzdump on a schedule with retention; optionally under HA.
 */
export class CustomerDbVm extends Construct {
  readonly serverName: string;
  readonly address: string;
  readonly guest: GuestVm;
  readonly os: 'windows' | 'linux';
  readonly snapshotRetention: number;

  constructor(scope: Construct, id: string, props: CustomerDbVmProps) {
    super(scope, id);
    const { cluster, lan, poolId } = props;
    const p = parseProps(
      PropsSchema,
      { ...props, cluster: undefined, lan: undefined, poolId: undefined },
      this.node.path,
      'CustomerDbVm',
    );
    if (!lan.cidr || !cidrContains(lan.cidr, parseIpv4(p.address))) {
      const subnet = lan.cidr ? ` ${formatCidr(lan.cidr)}` : '';
      throw new ConstructError(
        this,
        'SYNTH_OUT_OF_RANGE',
        `address ${p.address} is not inside the LAN subnet${subnet} of ${lan.node.path}`,
        `pick an address in the LAN${subnet}, or leave address out to derive one from the customer's slice`,
      );
    }
    this.serverName = p.serverName;
    this.address = p.address;
    this.os = p.os;
    this.snapshotRetention = p.snapshotRetention;
    cluster.identities.claim('ipv4_address', p.address, this);
    cluster.identities.claim('vm_id', p.vmId, this);
    Roles.set(this, 'customer-db', {
      customer: p.customer,
      server: p.serverName,
      address: p.address,
      rdsAddress: p.rdsAddress,
      vpnNetwork: p.vpnNetwork,
      managementSource: cluster.managementSource,
    });

    const gateway = formatIpv4(lan.cidr.network + 1);
    this.guest = new GuestVm(this, 'Guest', {
      cluster,
      name: p.serverName,
      vmId: p.vmId,
      ...(p.node ? { node: p.node } : {}),
      template: p.os === 'windows' ? cluster.templates.windowsServer : cluster.templates.debian,
      clone: cluster.customerVmClones,
      cores: p.cores,
      memoryMiB: p.memoryMiB,
      dataDisks: [
        {
          interface: 'scsi1',
          sizeGb: p.dataDiskGb,
          ...(p.dataDiskLifecycle !== 'delete' ? { lifecycle: p.dataDiskLifecycle } : {}),
        },
      ],
      nics: [{ bridge: lan.name, firewall: true }],
      after: lan.bridges,
      osType: p.os === 'windows' ? 'win11' : 'l26',
      description: `4D Server ${p.serverName} of customer ${p.customer} (pvecdk; netmask ${netmask(lan.cidr.prefix)})`,
      ...(poolId !== undefined ? { poolId } : {}),
      tags: ['4d-server', `customer-${p.customer}`],
      addresses: [{ address: `${p.address}/${lan.cidr.prefix}`, gateway }],
      dnsServers: [gateway],
    });
    const mgmtPorts = p.os === 'windows' ? '22,3389,5985' : '22';
    this.guest.firewall(
      [
        {
          type: 'in',
          action: 'ACCEPT',
          proto: 'tcp',
          source: p.rdsAddress,
          dport: `${FOUR_D_PORTS.first}:${FOUR_D_PORTS.last}`,
          comment: `4D clients on the RDS host -> ${p.serverName}`,
        },
        {
          type: 'in',
          action: 'ACCEPT',
          proto: 'tcp',
          source: cluster.managementSource,
          dport: mgmtPorts,
          comment: 'management',
        },
        {
          type: 'in',
          action: 'ACCEPT',
          proto: 'icmp',
          source: cluster.managementSource,
          comment: 'management ping',
        },
      ],
      { macfilter: true, ipfilter: true },
    );

    if (p.os === 'windows') {
      // Defence in depth: Windows Firewall inside the guest mirrors the VM firewall for the 4D ports.
      const firewall = {
        ruleGroup: `4D ${p.serverName}`,
        ports: `${FOUR_D_PORTS.first}-${FOUR_D_PORTS.last}`,
        allowFrom: [p.rdsAddress],
      };
      new GuestCommand(this, 'GuestFirewall', {
        target: this.guest.target(p.address, 'powershell', cluster.guestSshKey),
        command: inConstruct(this, () => renderWindowsFirewallScript(firewall)),
        // Exits 0 when the rule is already as wanted: a re-run runs nothing that changes.
        check: inConstruct(this, () => renderWindowsFirewallCheck(firewall)),
        // A guest change on a customer's database server: snapshot first, keep the configured number.
        critical: true,
        snapshotRetention: p.snapshotRetention,
      });
    }

    if (p.backup !== false) {
      const storage = cluster.backupStorage ?? cluster.defaultStorage;
      const backup = new BackupJob(this, 'Backup', {
        id: `pvecdk-${p.serverName}`,
        schedule: p.backup.schedule ?? '*-*-* 02:30',
        storage,
        vmid: [String(p.vmId)],
        mode: 'snapshot',
        compress: 'zstd',
        enabled: true,
        notesTemplate: `{{guestname}}: ${p.serverName} of ${p.customer} (pvecdk)`,
        pruneBackups: {
          'keep-daily': String(p.backup.keepDaily ?? 7),
          'keep-weekly': String(p.backup.keepWeekly ?? 4),
          'keep-monthly': String(p.backup.keepMonthly ?? 6),
        },
      });
      // The job names the VM by id, not by reference: order it after the VM explicitly.
      backup.addDependency(this.guest.vm);
    }
    if (p.highAvailability) {
      const ha = new VirtualEnvironmentHaresource(this, 'Ha', {
        resourceId: `vm:${p.vmId}`,
        state: 'started',
        comment: `pvecdk: ${p.serverName}`,
      });
      ha.addDependency(this.guest.vm);
    }
  }
}
