import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

export interface RdsShortcutConfig {
  /** The Windows RDS host. */
  readonly target: GuestTarget;
  readonly userName: string;
  /** The 4D server this shortcut opens. */
  readonly serverName: string;
  /** Where the `.4DLink` file goes on the RDS host, and its rendered content. */
  readonly linkPath: string;
  readonly linkContent: string;
  /** Where the `.lnk` shortcut goes. */
  readonly shortcutPath: string;
  /** Rendered idempotent PowerShell that writes both. */
  readonly script: string;
}

/** One ShowGrounds client shortcut for one user and one 4D server. */
export class RdsShortcut extends Resource {
  static readonly TYPE = 'pvecdk_rds_shortcut';

  constructor(scope: Construct, id: string, config: RdsShortcutConfig) {
    const windowsPath = z.string().regex(/^[A-Za-z]:\\[^<>"|?*\n]+$/, 'an absolute Windows path (C:\\...)');
    super(scope, id, {
      type: RdsShortcut.TYPE,
      properties: { ...config },
      schema: z.strictObject({
        target: GuestTargetSchema,
        userName: z.string().min(1),
        serverName: z.string().min(1),
        linkPath: windowsPath,
        linkContent: z.string().min(1),
        shortcutPath: windowsPath,
        script: z.string().min(1),
      }),
    });
  }
}
