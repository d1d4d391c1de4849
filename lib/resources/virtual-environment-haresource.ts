import type { Construct } from 'constructs';
import { z } from 'zod';
import type { Ref } from '../core/reference.ts';
import { Resource } from '../core/resource.ts';
import { zRef } from '../core/schema.ts';

export interface VirtualEnvironmentHaresourceConfig {
  /** `vm:<id>` or `ct:<id>`. */
  readonly resourceId: Ref<string>;
  readonly state?: 'started' | 'stopped' | 'disabled' | 'ignored';
  readonly type?: 'vm' | 'ct';
  /** HA group (PVE 8). */
  readonly group?: string;
  readonly maxRelocate?: number;
  readonly maxRestart?: number;
  readonly comment?: string;
  readonly dependsOn?: Resource[];
}

const Schema = z.strictObject({
  resourceId: zRef(z.string().regex(/^(vm|ct):\d+$/, 'vm:<id> or ct:<id>')),
  state: z.enum(['started', 'stopped', 'disabled', 'ignored']).optional(),
  type: z.enum(['vm', 'ct']).optional(),
  group: z
    .string()
    .regex(/^[A-Za-z0-9._-]{2,}$/, 'letters, digits, . _ -, at least 2 characters')
    .optional(),
  maxRelocate: z.number().int().min(0).max(10).optional(),
  maxRestart: z.number().int().min(0).max(10).optional(),
  comment: z
    .string()
    .refine((c) => c === c.trim(), 'no leading or trailing whitespace')
    .optional(),
});

/** `proxmox_virtual_environment_haresource`: puts a VM under Proxmox HA. */
export class VirtualEnvironmentHaresource extends Resource {
  static readonly TYPE = 'proxmox_virtual_environment_haresource';
  static readonly tfResourceType = VirtualEnvironmentHaresource.TYPE;

  constructor(scope: Construct, id: string, config: VirtualEnvironmentHaresourceConfig) {
    super(scope, id, { type: VirtualEnvironmentHaresource.TYPE, properties: { ...config }, schema: Schema });
  }
}
