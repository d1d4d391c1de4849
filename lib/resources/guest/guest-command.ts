import type { Construct } from 'constructs';
import { guestCommandType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { GuestCommandConfig } from '../generated/index.ts';
import type { CriticalChangeOptions } from './critical-change-options.ts';

/** A command run inside a guest in its dialect (sh or PowerShell). */
export class GuestCommand extends Resource {
  static readonly TYPE = guestCommandType.type;

  constructor(
    scope: Construct,
    id: string,
    { critical, snapshotRetention, ...config }: GuestCommandConfig & CriticalChangeOptions,
  ) {
    super(scope, id, {
      type: GuestCommand.TYPE,
      properties: { ...config },
      critical: critical ?? false,
      ...(snapshotRetention !== undefined ? { snapshotRetention } : {}),
    });
  }
}
