import { Construct, type IConstruct } from 'constructs';
import { z } from 'zod';
import { ConstructError, SynthError } from '../core/errors.ts';
import { zSecret } from '../core/private/schema.ts';
import type { SecretValue } from '../core/secret.ts';
import { recordedSection } from './identity/identity-file.ts';
import { parseProps } from './private/errors.ts';
import { numberPool, seedOf, vmIdPool } from './private/identity/allocators.ts';
import { type IdentityPool, IdentityRegistry } from './private/identity/identity-registry.ts';
import type { NoSchemaDrift, SchemaDrift } from './private/schema-drift.ts';

/** The VM templates every platform guest is cloned from, by VM id (each at least 100). */
export interface TemplateCatalogue {
  /** pfSense template VM id. */
  readonly pfsense: number;
  /** Windows Server 2022 template (sysprepped, cloudbase-init, OpenSSH). */
  readonly windowsServer: number;
  /** Debian 12 cloud-init template. */
  readonly debian: number;
}

/** A range of Proxmox VM ids: `size` ids from `start` on. */
export interface VmIdRange {
  /** The first VM id of the range, at least 100. */
  readonly start: number;
  /** How many ids the range holds, at least 1. */
  readonly size: number;
}

export interface ClusterProps {
  /** Proxmox node names, at least one, distinct (letters, digits and `-`). */
  readonly nodes: string[];
  /**
   * Where VMs go unless told otherwise; one of `nodes`.
   * @default - the first of `nodes`
   */
  readonly defaultNode?: string;
  /**
   * Storage for VM disks and cloud-init drives, e.g. `local-lvm` or `ceph-vm`.
   * @default 'local-lvm'
   */
  readonly defaultStorage?: string;
  /**
   * Storage for vzdump backups, e.g. an NFS share.
   * @default - `defaultStorage`
   */
  readonly backupStorage?: string;
  /** The template VMs guests are cloned from; no customer or platform VM is ever given their ids. */
  readonly templates: TemplateCatalogue;
  /**
   * VM ids of the platform's own VMs (router, RDS host), derived from their construct paths
   * unless pinned; must not overlap `customerVmIds`.
   * @default { start: 100, size: 100 } (ids 100 to 199)
   */
  readonly platformVmIds?: VmIdRange;
  /**
   * The customers' VM ids: customer number n (1-based) gets the block of `blockSize` ids from
   * `start + (n - 1) * blockSize`; must not overlap `platformVmIds`. Template ids inside a block
   * are skipped.
   * @default { start: 1000, blockSize: 100, blocks: 9000 } (ids 1000 to 900999)
   */
  readonly customerVmIds?: {
    /** The first id of customer 1's block, at least 100. */
    readonly start: number;
    /** Ids per customer, at least 10. */
    readonly blockSize: number;
    /** How many customer blocks (the highest customer number), at least 1. */
    readonly blocks: number;
  };
  /**
   * Where the operator and the engine manage guests from: an IPv4 address or CIDR on the LAN,
   * allowed to the guests' management ports by their firewalls.
   */
  readonly managementSource: string;
  /** The SSH private key the engine logs in to guests with, as a secret reference. */
  readonly guestSshKey: SecretValue;
  /**
   * How customer VMs (the customers' 4D database servers) are cloned from their template.
   *
   * - `full`: every disk is copied onto `defaultStorage`. The VM stands alone: the template can
   *   be updated or deleted, the disk moved, and its I/O never touches the template's volumes.
   *   Onboarding is bound by the storage: each clone copies the whole template disk, and clones
   *   running together share the storage's bandwidth.
   * - `linked`: the system disk is a thin copy-on-write child of the template's base volume,
   *   made in a second whatever its size, on the template's own storage (which must support
   *   linked clones: LVM-thin, ZFS, Ceph RBD, or qcow2 files; `defaultStorage` is not used for
   *   it). The VM depends on the template for good: Proxmox refuses to delete a template with
   *   linked clones, every read of unchanged blocks goes to the shared base volume, and moving
   *   the disk later means a full copy. Data disks and the cloud-init drive stay on
   *   `defaultStorage` either way.
   *
   * Full clones are the default because a database server outlives its template and should not
   * share its I/O with every other customer's server.
   * @default 'full'
   */
  readonly customerVmClones?: 'full' | 'linked';
}

/** Proxmox's highest VM id (pve-guest-common: 100 to 999999999). */
const MAX_VM_ID = 999_999_999;

const Range = z.strictObject({ start: z.number().int().min(100), size: z.number().int().min(1) });

const ClusterPropsSchema = z
  .strictObject({
    nodes: z
      .array(z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, 'a Proxmox node name'))
      .min(1)
      .refine((n) => new Set(n).size === n.length, 'node names must be unique'),
    defaultNode: z.string().optional(),
    defaultStorage: z.string().min(1).default('local-lvm'),
    backupStorage: z.string().min(1).optional(),
    templates: z.strictObject({
      pfsense: z.number().int().min(100),
      windowsServer: z.number().int().min(100),
      debian: z.number().int().min(100),
    }),
    platformVmIds: Range.default({ start: 100, size: 100 }),
    customerVmIds: z
      .strictObject({
        start: z.number().int().min(100),
        blockSize: z.number().int().min(10),
        blocks: z.number().int().min(1),
      })
      .default({ start: 1000, blockSize: 100, blocks: 9000 }),
    managementSource: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, 'an IPv4 address or CIDR'),
    guestSshKey: zSecret(),
    customerVmClones: z.enum(['full', 'linked']).default('full'),
  })
  .superRefine((p, ctx) => {
    if (p.defaultNode && !p.nodes.includes(p.defaultNode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultNode'],
        message: `'${p.defaultNode}' is not one of nodes (${p.nodes.join(', ')})`,
      });
    }
    const platformEnd = p.platformVmIds.start + p.platformVmIds.size;
    const customersEnd = p.customerVmIds.start + p.customerVmIds.blockSize * p.customerVmIds.blocks;
    if (p.platformVmIds.start < customersEnd && p.customerVmIds.start < platformEnd) {
      ctx.addIssue({ code: 'custom', path: ['customerVmIds'], message: 'overlaps platformVmIds' });
    }
    if (customersEnd - 1 > MAX_VM_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['customerVmIds'],
        message: `the last customer VM id would be ${customersEnd - 1}, above Proxmox's highest VM id ${MAX_VM_ID}`,
      });
    }
    for (const [name, id] of Object.entries(p.templates)) {
      if (id >= p.platformVmIds.start && id < platformEnd) {
        ctx.addIssue({
          code: 'custom',
          path: ['templates', name],
          message: `template ${id} lies in the platform VM id range`,
        });
      }
    }
  });

// tsc fails here, naming the keys, when ClusterProps and ClusterPropsSchema drift apart.
type _SchemaInStep = NoSchemaDrift<SchemaDrift<ClusterProps, typeof ClusterPropsSchema>>;

/**
 * The Proxmox cluster the platform runs on: its nodes, storages, template
 * catalogue, VM id ranges, and the registry that keeps every id, MAC and
 * address unique across the tree.
 */
export class Cluster extends Construct {
  readonly nodes: readonly string[];
  readonly defaultNode: string;
  readonly defaultStorage: string;
  readonly backupStorage: string | undefined;
  readonly templates: TemplateCatalogue;
  readonly managementSource: string;
  readonly guestSshKey: SecretValue;
  /** How customer VMs are cloned: see ClusterProps.customerVmClones. */
  readonly customerVmClones: 'full' | 'linked';
  readonly identities: IdentityRegistry;
  private readonly platformVmIds: VmIdRange;
  private readonly customerVmIds: { start: number; blockSize: number; blocks: number };

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const p = parseProps(ClusterPropsSchema, props, this.node.path, 'Cluster');
    this.nodes = p.nodes;
    this.defaultNode = p.defaultNode ?? p.nodes[0]!;
    this.defaultStorage = p.defaultStorage;
    this.backupStorage = p.backupStorage;
    this.templates = p.templates;
    this.managementSource = p.managementSource;
    this.guestSshKey = p.guestSshKey;
    this.customerVmClones = p.customerVmClones;
    this.platformVmIds = p.platformVmIds;
    this.customerVmIds = p.customerVmIds;
    this.identities = new IdentityRegistry(recordedSection(this.node.path));
    // Templates keep their ids: an allocation inside a block that holds one skips it.
    for (const [name, id] of Object.entries(p.templates))
      this.identities.claim('vm_id', id, this, `/templates/${name}`);
  }

  /**
   * The platform VM id of `owner` (a router, the RDS host): `pinned` when the
   * stack file gives one, else what the identity record holds for it, else a
   * free id in the platform range.
   */
  platformVmId(owner: IConstruct, pinned?: number): number {
    if (pinned !== undefined) {
      this.identities.claim('vm_id', pinned, owner);
      return pinned;
    }
    const { start, size } = this.platformVmIds;
    const pool = vmIdPool(
      start,
      size,
      `platform VM ids ${start}-${start + size - 1}`,
      "the cluster's platformVmIds.size",
    );
    return this.identities.allocate('vm_id', owner, pool, seedOf(`vmid:${owner.node.path}/vm`));
  }

  /** Customer numbers, one VM id block each: what `pvecdk ls` counts customers against. */
  customerNumbers(): IdentityPool<number> {
    const { blocks } = this.customerVmIds;
    return {
      ...numberPool(1, blocks),
      describe: `customer numbers (${blocks} VM id blocks)`,
      widenedBy: "the cluster's customerVmIds.blocks",
    };
  }

  /** The VM id block of customer number `n` (1-based, as operators count). */
  customerVmIdBlock(n: number): VmIdRange {
    const { start, blockSize, blocks } = this.customerVmIds;
    if (!Number.isInteger(n) || n < 1 || n > blocks) {
      throw new SynthError(
        'SYNTH_OUT_OF_RANGE',
        `customer number ${n} is outside 1..${blocks} (the cluster has ${blocks} customer VM id blocks)`,
        `give the customer a free number in 1..${blocks}, or raise the cluster's customerVmIds.blocks`,
      );
    }
    return { start: start + (n - 1) * blockSize, size: blockSize };
  }

  /** Throws, scoped to `scope` and naming its prop, when `node` is not a node of this cluster. */
  checkNode(node: string, scope: IConstruct, prop = 'node'): string {
    if (!this.nodes.includes(node)) {
      throw new ConstructError(
        scope,
        'SYNTH_UNKNOWN_NAME',
        `${prop}: '${node}' is not one of the cluster's nodes (${this.nodes.join(', ')})`,
        `use one of ${this.nodes.join(', ')}, or add the node to the cluster's nodes`,
      );
    }
    return node;
  }
}
