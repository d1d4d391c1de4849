import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';
import { DATASTORE } from './common.ts';

export interface BackupJobConfig {
  /** An id you choose, e.g. `daily-acme`. */
  readonly id: string;
  /** systemd calendar event, e.g. `*-*-* 02:30`. */
  readonly schedule: string;
  readonly storage: string;
  readonly all?: boolean;
  /** Guest ids (the provider takes strings). */
  readonly vmid?: Ref<string>[];
  readonly pool?: Ref<string>;
  readonly node?: string;
  readonly enabled?: boolean;
  readonly mode?: 'snapshot' | 'suspend' | 'stop';
  readonly compress?: '0' | '1' | 'gzip' | 'lzo' | 'zstd';
  readonly mailto?: string[];
  readonly mailnotification?: 'always' | 'failure';
  readonly notesTemplate?: string;
  /** Retention, e.g. `{ 'keep-daily': '7', 'keep-weekly': '4' }`. */
  readonly pruneBackups?: Record<string, string>;
  readonly repeatMissed?: boolean;
  readonly protected?: boolean;
  readonly dependsOn?: Resource[];
}

const PRUNE_KEYS = [
  'keep-all',
  'keep-last',
  'keep-hourly',
  'keep-daily',
  'keep-weekly',
  'keep-monthly',
  'keep-yearly',
] as const;

const Schema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and -, starting with a letter'),
    schedule: z.string().regex(/^[\w*.,:/ -]+$/, 'a calendar event such as *-*-* 02:30 or mon..fri 22:00'),
    storage: DATASTORE,
    all: z.boolean().optional(),
    vmid: z.array(zRef(z.string().regex(/^\d+$/, 'a VM id as a string'))).optional(),
    pool: zRef(z.string()).optional(),
    node: z.string().optional(),
    enabled: z.boolean().optional(),
    mode: z.enum(['snapshot', 'suspend', 'stop']).optional(),
    compress: z.enum(['0', '1', 'gzip', 'lzo', 'zstd']).optional(),
    mailto: z.array(z.email()).optional(),
    mailnotification: z.enum(['always', 'failure']).optional(),
    notesTemplate: z.string().optional(),
    pruneBackups: z
      .partialRecord(z.enum(PRUNE_KEYS), z.string().regex(/^\d+$/, 'a count as a string'))
      .optional(),
    repeatMissed: z.boolean().optional(),
    protected: z.boolean().optional(),
  })
  .refine((j) => [j.all === true, j.vmid !== undefined, j.pool !== undefined].filter(Boolean).length === 1, {
    message: 'select guests with exactly one of all, vmid or pool',
  });

/** `proxmox_backup_job`: a scheduled vzdump job with retention. */
export class BackupJob extends Resource {
  static readonly TYPE = 'proxmox_backup_job';
  static readonly tfResourceType = BackupJob.TYPE;

  constructor(scope: Construct, id: string, config: BackupJobConfig) {
    // Retention keys (`keep-daily`) are Proxmox's own names.
    super(scope, id, {
      type: BackupJob.TYPE,
      properties: { ...config },
      schema: Schema,
      verbatimKeys: ['pruneBackups'],
    });
  }
}
