import type { Construct } from 'constructs';
import { guestFileType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { GuestFileConfig } from '../generated/index.ts';
import type { CriticalChangeOptions } from './critical-change-options.ts';

/** A file inside a guest, uploaded atomically (temp file, then rename). */
export class GuestFile extends Resource {
  static readonly TYPE = guestFileType.type;

  constructor(
    scope: Construct,
    id: string,
    { critical, snapshotRetention, ...config }: GuestFileConfig & CriticalChangeOptions,
  ) {
    super(scope, id, {
      type: GuestFile.TYPE,
      properties: { ...config },
      critical: critical ?? false,
      ...(snapshotRetention !== undefined ? { snapshotRetention } : {}),
    });
  }
}
