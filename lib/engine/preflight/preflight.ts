import type { Plan } from '../../contract/plan.ts';
import type { PveApi } from '../../pve/api/pve-api.ts';
import { type PveMajor, pveMajor } from '../../pve/privileges.ts';
import type { PreflightFacts } from '../handlers/handler.ts';
import { HANDLERS } from '../handlers/index.ts';
import {
  type EffectivePermissions,
  type MissingPrivilege,
  missingPrivileges,
  pathsOf,
  permissionMissingError,
  readEffectivePermissions,
} from './check-permissions.ts';
import {
  type AppliedEntry,
  preflightResources,
  type RequiredPrivileges,
  requiredPrivileges,
} from './required-privileges.ts';

export interface PermissionPreflight {
  /** `GET /version`, e.g. `8.4.1`. */
  readonly version: string;
  readonly major: PveMajor;
  readonly required: RequiredPrivileges;
  readonly effective: EffectivePermissions;
  readonly missing: readonly MissingPrivilege[];
}

/**
 * Compares what a deploy of `plans` needs with what the API token holds,
 * before anything is written. Read-only: `GET /version`, the token's own
 * permissions, and the templates' configs. The result lists what is missing;
 * {@link assertPermissions} turns it into ENGINE_PERMISSION_MISSING.
 */
export async function preflightPermissions(
  api: PveApi,
  plans: readonly Plan[],
  applied: readonly AppliedEntry[] = [],
): Promise<PermissionPreflight> {
  const { version } = await api.version();
  const major = pveMajor(version);
  const facts = await readPreflightFacts(api, plans, applied);
  const required = requiredPrivileges(plans, major, { facts, applied });
  const effective = await readEffectivePermissions(api, pathsOf(required.privileges));
  return { version, major, required, effective, missing: missingPrivileges(required.privileges, effective) };
}

/** What handlers must read before they can say what they need (the templates VMs are cloned from). */
async function readPreflightFacts(
  api: PveApi,
  plans: readonly Plan[],
  applied: readonly AppliedEntry[],
): Promise<Map<string, PreflightFacts>> {
  const facts = new Map<string, PreflightFacts>();
  for (const [type, resources] of preflightResources(plans, applied)) {
    const read = HANDLERS.get(type)?.readPreflightFacts;
    if (read) facts.set(type, await read(api, resources as never));
  }
  return facts;
}

/** Throws ENGINE_PERMISSION_MISSING, naming every missing privilege, when the preflight found any. */
export function assertPermissions(preflight: PermissionPreflight, tokenId?: string): void {
  if (preflight.missing.length)
    throw permissionMissingError(preflight.missing, {
      major: preflight.major,
      ...(tokenId ? { tokenId } : {}),
    });
}
