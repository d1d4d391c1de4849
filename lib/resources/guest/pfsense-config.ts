import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

/** A filter rule as data, next to its rendered XML, so policies and diffs can read it. */
export interface PfsenseRuleSummary {
  /** `wan`, `lan`, `opt1`, `openvpn`, ... */
  readonly interface: string;
  readonly type: 'pass' | 'block' | 'reject';
  /** `tcp`, `udp`, `tcp/udp`, `icmp` or `any`. */
  readonly protocol: string;
  /** `any`, a CIDR, an address, an alias or a pfSense network name such as `lan`. */
  readonly source: string;
  readonly destination: string;
  /** A port, a range `a-b` or `any`. */
  readonly destinationPort: string;
  readonly description: string;
}

/** A NAT port forward as data. */
export interface PfsensePortForwardSummary {
  readonly interface: string;
  readonly protocol: string;
  readonly externalPort: string;
  readonly target: string;
  readonly targetPort: string;
  readonly description: string;
}

export interface PfsenseConfigConfig {
  readonly target: GuestTarget;
  /**
   * config.xml sections this resource owns, by element name (`interfaces`,
   * `aliases`, `filter`, `nat`, `openvpn`, `ca`, `cert`, ...), each rendered
   * XML. Sections not listed are left as they are on the router.
   */
  readonly sections: Record<string, string>;
  /** The filter rules the sections hold, as data. */
  readonly rules?: PfsenseRuleSummary[];
  /** The port forwards the sections hold, as data. */
  readonly portForwards?: PfsensePortForwardSummary[];
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
        rules: z
          .array(
            z.strictObject({
              interface: z.string().min(1),
              type: z.enum(['pass', 'block', 'reject']),
              protocol: z.string().min(1),
              source: z.string().min(1),
              destination: z.string().min(1),
              destinationPort: z.string().min(1),
              description: z.string(),
            }),
          )
          .optional(),
        portForwards: z
          .array(
            z.strictObject({
              interface: z.string().min(1),
              protocol: z.string().min(1),
              externalPort: z.string().min(1),
              target: z.string().min(1),
              targetPort: z.string().min(1),
              description: z.string(),
            }),
          )
          .optional(),
        secrets: z.array(z.string().regex(/^(env|file|generated):.+$/)).optional(),
        reload: z.enum(['all', 'filter', 'openvpn']).optional(),
        snapshotRetention: z.undefined(),
      }),
      critical: true,
      snapshotRetention: config.snapshotRetention ?? 5,
    });
  }

  /**
   * Replace the rendered content, for a router that renders its config from
   * everything added to it just before synthesis.
   */
  update(content: Pick<PfsenseConfigConfig, 'sections' | 'rules' | 'portForwards' | 'secrets'>): void {
    for (const [key, value] of Object.entries(content)) this.setProperty(key, value);
  }
}
