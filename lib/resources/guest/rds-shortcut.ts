import type { Construct } from 'constructs';
import { rdsShortcutType } from '../../contract/types/guest.ts';
import { Resource } from '../../core/resource.ts';
import type { RdsShortcutConfig } from '../generated/index.ts';

/** One ShowGrounds client shortcut for one user and one 4D server. */
export class RdsShortcut extends Resource {
  static readonly TYPE = rdsShortcutType.type;

  constructor(scope: Construct, id: string, config: RdsShortcutConfig) {
    super(scope, id, { type: RdsShortcut.TYPE, properties: { ...config } });
  }
}
