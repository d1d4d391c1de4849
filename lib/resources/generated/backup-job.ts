// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Ref } from '../../core/reference.ts';
import type { Resource } from '../../core/resource.ts';

export interface BackupJobConfig {
  /** An id you choose, e.g. `daily-acme`. */
  readonly id: string;
  /** A systemd calendar event, e.g. `*-*-* 02:30`. */
  readonly schedule: string;
  /** The backup storage. */
  readonly storage: string;
  /** Back up every guest. */
  readonly all?: boolean;
  /** Guest ids to back up (as strings, like the provider). */
  readonly vmid?: Ref<string>[];
  /** Back up the guests of this pool. */
  readonly pool?: Ref<string>;
  /**
   * Run only on this node.
   * @default every node
   */
  readonly node?: string;
  /**
   * Whether the job runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Backup mode.
   * @default Proxmox's: snapshot
   */
  readonly mode?: 'snapshot' | 'suspend' | 'stop';
  /**
   * Compression.
   * @default Proxmox's: 0
   */
  readonly compress?: '0' | '1' | 'gzip' | 'lzo' | 'zstd';
  /** Addresses notified. */
  readonly mailto?: string[];
  /** When to notify. */
  readonly mailnotification?: 'always' | 'failure';
  /** Notes of each backup; `{{guestname}}` and the like are filled in. */
  readonly notesTemplate?: string;
  /** Retention, e.g. `{ 'keep-daily': '7', 'keep-weekly': '4' }`. */
  readonly pruneBackups?: Partial<Record<'keep-all' | 'keep-last' | 'keep-hourly' | 'keep-daily' | 'keep-weekly' | 'keep-monthly' | 'keep-yearly', string>>;
  /**
   * Run a missed job as soon as possible.
   * @default false
   */
  readonly repeatMissed?: boolean;
  /**
   * Mark the backups protected.
   * @default false
   */
  readonly protected?: boolean;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
