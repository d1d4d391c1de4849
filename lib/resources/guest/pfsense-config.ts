import type { Construct } from 'constructs';
import { pfsenseConfigType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { PfsenseConfigConfig } from '../generated/index.ts';
import type { CriticalChangeOptions } from './critical-change-options.ts';

/**
 * The parts of a pfSense config.xml that pvecdk owns. A critical guest change:
 * the engine snapshots the router, writes the sections, reloads, verifies,
 * and rolls back on failure.
 */
export class PfsenseConfig extends Resource {
  static readonly TYPE = pfsenseConfigType.type;

  constructor(
    scope: Construct,
    id: string,
    { snapshotRetention, ...config }: PfsenseConfigConfig & Pick<CriticalChangeOptions, 'snapshotRetention'>,
  ) {
    super(scope, id, {
      type: PfsenseConfig.TYPE,
      properties: { ...config },
      critical: true,
      snapshotRetention: snapshotRetention ?? 5,
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
