// Generated from the plan contracts in lib/contract by `npm run generate`. Do not edit.
import type { Resource } from '../../core/resource.ts';
import type { GuestTarget } from './guest-target.ts';
import type { PfsensePortForwardSummary } from './pfsense-port-forward-summary.ts';
import type { PfsenseRuleSummary } from './pfsense-rule-summary.ts';

export interface PfsenseConfigConfig {
  /** The guest a resource changes: the VM (for snapshots) and its SSH endpoint. */
  readonly target: GuestTarget;
  /**
   * config.xml sections this resource owns, by element name (`interfaces`, `filter`, `openvpn`, ...), each rendered XML; sections not listed are left as they are.
   */
  readonly sections: Record<string, string>;
  /** The filter rules the sections hold, as data. */
  readonly rules?: PfsenseRuleSummary[];
  /** The port forwards the sections hold, as data. */
  readonly portForwards?: PfsensePortForwardSummary[];
  /** Secret references the sections hold as `{{secret:...}}` markers, filled in by the engine. */
  readonly secrets?: string[];
  /**
   * What to reload after writing.
   * @default all
   */
  readonly reload?: 'all' | 'filter' | 'openvpn';
  /** Created after these (the cdktf meta-argument). */
  readonly dependsOn?: Resource[];
}
