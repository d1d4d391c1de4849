import type { Construct } from 'constructs';
import { z } from 'zod';
import { Resource } from '../../core/resource.ts';
import { type GuestTarget, GuestTargetSchema } from './guest-target.ts';

export interface GuestFileConfig {
  readonly target: GuestTarget;
  /** Absolute path in the guest. */
  readonly path: string;
  readonly content: string;
  /** POSIX mode as an octal string (`0644`); ignored on Windows. */
  readonly mode?: string;
  readonly critical?: boolean;
}

/** A file inside a guest, uploaded atomically (temp file, then rename). */
export class GuestFile extends Resource {
  static readonly TYPE = 'pvecdk_guest_file';

  constructor(scope: Construct, id: string, config: GuestFileConfig) {
    super(scope, id, {
      type: GuestFile.TYPE,
      properties: { ...config, critical: undefined },
      schema: z.strictObject({
        target: GuestTargetSchema,
        path: z.string().regex(/^(\/|[A-Za-z]:\\)/, 'an absolute path'),
        content: z.string(),
        mode: z
          .string()
          .regex(/^0[0-7]{3}$/, 'an octal mode such as 0644')
          .optional(),
        critical: z.undefined(),
      }),
      critical: config.critical ?? false,
    });
  }
}
