import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { zSecret } from '../../core/schema.ts';
import type { SecretValue } from '../../core/secret.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

export interface VpnUserConfig {
  /** The router that terminates the VPN. */
  readonly target: GuestTarget;
  readonly userName: string;
  readonly kind: 'openvpn' | 'wireguard';
  /** The user's fixed address in the tunnel network. */
  readonly tunnelAddress: string;
  /** The user's key (certificate key or WireGuard private key), generated at deploy and kept locally. */
  readonly privateKey: SecretValue;
  /** Rendered per-user router configuration (OpenVPN client-specific override or WireGuard peer). */
  readonly routerEntry: string;
  /** Rendered client profile with `{{secret:...}}` markers, written for the operator at deploy (mode 0600). */
  readonly profile: string;
  readonly profileFileName: string;
  readonly snapshotRetention?: number;
}

/** One VPN user on the router: a certificate or key pair, a fixed tunnel address, a client profile. */
export class VpnUser extends Resource {
  static readonly TYPE = 'pvecdk_vpn_user';

  constructor(scope: Construct, id: string, config: VpnUserConfig) {
    super(scope, id, {
      type: VpnUser.TYPE,
      properties: { ...config, snapshotRetention: undefined },
      schema: z.strictObject({
        target: GuestTargetSchema,
        userName: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ -'),
        kind: z.enum(['openvpn', 'wireguard']),
        tunnelAddress: z.ipv4(),
        privateKey: zSecret(),
        routerEntry: z.string().min(1),
        profile: z.string().min(1),
        profileFileName: z.string().regex(/^[A-Za-z0-9._-]+\.(ovpn|conf)$/),
        snapshotRetention: z.undefined(),
      }),
      critical: true,
      snapshotRetention: config.snapshotRetention ?? 5,
    });
  }
}
