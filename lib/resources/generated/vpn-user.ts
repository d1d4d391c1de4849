// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { SecretValue } from '../../core/secret.ts';
import type { GuestTarget } from './guest-target.ts';

export interface VpnUserConfig {
  /** The router that terminates the VPN. */
  readonly target: GuestTarget;
  /** The VPN user (the certificate common name). */
  readonly userName: string;
  /** The VPN. */
  readonly kind: 'openvpn' | 'wireguard';
  /** The user's fixed address in the tunnel network. */
  readonly tunnelAddress: string;
  /** The user's key (certificate key or WireGuard private key), generated at deploy and kept locally. */
  readonly privateKey: SecretValue;
  /** Rendered per-user router configuration (OpenVPN client-specific override or WireGuard peer). */
  readonly routerEntry: string;
  /**
   * Rendered client profile with `{{secret:...}}` markers, written for the operator at deploy (mode 0600).
   */
  readonly profile: string;
  /** The file name of the profile. */
  readonly profileFileName: string;
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
