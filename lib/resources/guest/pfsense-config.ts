import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

export interface PfsenseConfigConfig {
  readonly target: GuestTarget;
  /**
   * config.xml sections this resource owns, by element name (`interfaces`,
   * `aliases`, `filter`, `nat`, `openvpn`, `ca`, `cert`, ...), each rendered
   * XML. Sections not listed are left as they are on the router.
   */
  readonly sections: Record<string, string>;
  /** Secret references the sections hold as `{{secret:...}}` markers, filled in by the engine. */
  readonly secrets?: string[];
  /** What to run after writing (e.g. `/etc/rc.filter_configure`); default reloads everything. */
  readonly reload?: 'all' | 'filter' | 'openvpn';
  /** Snapshots of the router to keep after a change. */
  readonly snapshotRetention?: number;
}

const SECTION_NAME = /^[a-z][a-z0-9_-]*$/;

/**
 * The parts of a pfSense config.xml that pvecdk owns. A critical guest change:
 * the engine snapshots the router, writes the sections, reloads, verifies,
 * and rolls back on failure.
 */
export class PfsenseConfig extends Resource {
  static readonly TYPE = 'pvecdk_pfsense_config';

  constructor(scope: Construct, id: string, config: PfsenseConfigConfig) {
    super(scope, id, {
      type: PfsenseConfig.TYPE,
      properties: { ...config, snapshotRetention: undefined },
      verbatimKeys: ['sections'],
      schema: z.strictObject({
        target: GuestTargetSchema,
        sections: z.record(z.string().regex(SECTION_NAME, 'a config.xml element name'), z.string().min(1)),
        secrets: z.array(z.string().regex(/^(env|file|generated):.+$/)).optional(),
        reload: z.enum(['all', 'filter', 'openvpn']).optional(),
        snapshotRetention: z.undefined(),
      }),
      critical: true,
      snapshotRetention: config.snapshotRetention ?? 5,
    });
  }
}
