import type { Construct } from 'constructs';
import { rdsUserType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { RdsUserConfig } from '../generated/index.ts';
import type { CriticalChangeOptions } from './critical-change-options.ts';

/**
 * A local user on the RDS host who may log on through Remote Desktop. A
 * critical change: it carries the user's Windows Firewall fence, so the RDS
 * host is snapshotted first, the change verified by reading the account and
 * its rules back, and rolled back when that does not hold.
 */
export class RdsUser extends Resource {
  static readonly TYPE = rdsUserType.type;

  constructor(
    scope: Construct,
    id: string,
    { snapshotRetention, ...config }: RdsUserConfig & Pick<CriticalChangeOptions, 'snapshotRetention'>,
  ) {
    super(scope, id, {
      type: RdsUser.TYPE,
      properties: { ...config },
      critical: true,
      snapshotRetention: snapshotRetention ?? 5,
    });
  }
}
