import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

export interface GuestCommandConfig {
  readonly target: GuestTarget;
  /** Converges the guest; must be idempotent (running it twice changes nothing). */
  readonly command: string;
  /** Exits 0 when the guest is already as wanted; the engine then skips `command`. */
  readonly check?: string;
  /** Values whose change reruns the command even when `check` passes. */
  readonly triggers?: Record<string, string>;
  readonly critical?: boolean;
  /** Snapshots of the guest to keep after a critical change. */
  readonly snapshotRetention?: number;
}

/** A command run inside a guest in its dialect (sh or PowerShell). */
export class GuestCommand extends Resource {
  static readonly TYPE = 'pvecdk_guest_command';

  constructor(scope: Construct, id: string, config: GuestCommandConfig) {
    super(scope, id, {
      type: GuestCommand.TYPE,
      properties: { ...config, critical: undefined, snapshotRetention: undefined },
      // Trigger names are the user's own keys.
      verbatimKeys: ['triggers'],
      schema: z.strictObject({
        target: GuestTargetSchema,
        command: z.string().min(1),
        check: z.string().min(1).optional(),
        triggers: z.record(z.string(), z.string()).optional(),
        critical: z.undefined(),
        snapshotRetention: z.undefined(),
      }),
      critical: config.critical ?? false,
      ...(config.snapshotRetention !== undefined ? { snapshotRetention: config.snapshotRetention } : {}),
    });
  }
}
