import type { Construct } from 'constructs';
import { backupJobType } from '../contract/types/datacenter.ts';
import { Resource } from '../core/resource.ts';
import type { BackupJobConfig } from './generated/index.ts';

/** `proxmox_backup_job`: a scheduled vzdump job with retention. */
export class BackupJob extends Resource {
  static readonly TYPE = backupJobType.type;
  static readonly tfResourceType = BackupJob.TYPE;

  constructor(scope: Construct, id: string, config: BackupJobConfig) {
    super(scope, id, { type: BackupJob.TYPE, properties: { ...config } });
  }
}
