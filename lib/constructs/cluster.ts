import { Construct, type IConstruct } from 'constructs';
import { z } from 'zod';
import { ConstructError, SynthError } from '../core/errors.ts';
import { zSecret } from '../core/schema.ts';
import type { SecretValue } from '../core/secret.ts';
import { parseProps } from './errors.ts';
import { vmIdFromSeed } from './identity/allocators.ts';
import { IdentityRegistry } from './identity/identity-registry.ts';

export interface TemplateCatalogue {
  /** pfSense template VM id. */
  readonly pfsense: number;
  /** Windows Server 2022 template (sysprepped, cloudbase-init, OpenSSH). */
  readonly windowsServer: number;
  /** Debian 12 cloud-init template. */
  readonly debian: number;
}

export interface VmIdRange {
  readonly start: number;
  readonly size: number;
}

export interface ClusterProps {
  /** Proxmox node names. */
  readonly nodes: string[];
  /** Where VMs go unless told otherwise; default the first node. */
  readonly defaultNode?: string;
  /** Storage for VM disks, e.g. `local-lvm` or `ceph-vm`. */
  readonly defaultStorage?: string;
  /** Storage for vzdump backups, e.g. an NFS share. */
  readonly backupStorage?: string;
  readonly templates: TemplateCatalogue;
  /** VM ids of the platform's own VMs (router, RDS host). */
  readonly platformVmIds?: VmIdRange;
  /** Each customer gets one block of `blockSize` ids: block n starts at `start + n * blockSize`. */
  readonly customerVmIds?: { readonly start: number; readonly blockSize: number; readonly blocks: number };
  /** Where the operator and the engine manage guests from (a CIDR on the LAN). */
  readonly managementSource: string;
  /** The SSH key the engine logs in to guests with. */
  readonly guestSshKey: SecretValue;
}

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
      .default({ start: 1000, blockSize: 100, blocks: 80 }),
    managementSource: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, 'an IPv4 address or CIDR'),
    guestSshKey: zSecret(),
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
    for (const [name, id] of Object.entries(p.templates)) {
      if (id >= p.customerVmIds.start && id < customersEnd) {
        ctx.addIssue({
          code: 'custom',
          path: ['templates', name],
          message: `template ${id} lies in the customer VM id range`,
        });
      }
    }
  });

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
  readonly identities = new IdentityRegistry();
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
    this.platformVmIds = p.platformVmIds;
    this.customerVmIds = p.customerVmIds;
  }

  /** A platform VM id derived from `seed` (the construct path), inside the platform range. */
  platformVmId(seed: string): number {
    return vmIdFromSeed(this.platformVmIds.start, this.platformVmIds.size, seed);
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
