import type { Construct } from 'constructs';
import { vpnUserType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { VpnUserConfig } from '../generated/index.ts';
import type { CriticalChangeOptions } from './critical-change-options.ts';

/** One VPN user on the router: a certificate or key pair, a fixed tunnel address, a client profile. */
export class VpnUser extends Resource {
  static readonly TYPE = vpnUserType.type;

  constructor(
    scope: Construct,
    id: string,
    { snapshotRetention, ...config }: VpnUserConfig & Pick<CriticalChangeOptions, 'snapshotRetention'>,
  ) {
    super(scope, id, {
      type: VpnUser.TYPE,
      properties: { ...config },
      critical: true,
      snapshotRetention: snapshotRetention ?? 5,
    });
  }
}
