import type { PveApi } from '../../pve/api/pve-api.ts';
import type { PveMajor } from '../../pve/privileges.ts';
import { EngineError } from '../engine-errors.ts';
import type { PrivilegeOnPath } from './endpoint-permissions.ts';
import type { RequiredPrivilege } from './required-privileges.ts';

/**
 * `GET /access/permissions` as pvecdk reads it: ACL path → privilege →
 * propagate flag. A privilege listed under a path is granted on it, whatever
 * the flag; the flag says whether paths below inherit it.
 */
export type EffectivePermissions = Readonly<Record<string, Readonly<Record<string, boolean>>>>;

/** A privilege the token lacks, with the plan resources that need it. */
export type MissingPrivilege = RequiredPrivilege;

/** `/vms/101` → `/vms`, `/`. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - 1 - i).join('/')}`);
}

/**
 * Whether `privilege` is granted on `path`. A path the answer lists is exact:
 * Proxmox computed it (ACLs along the path, pool ACLs of member VMs, the
 * intersection with the user's privileges for a privilege-separated token).
 * A path it does not list inherits what the nearest listed ancestor
 * propagates; an ancestor that propagates nothing (it only has
 * non-propagating ACLs) does not stop inheritance from further up. That
 * inference misses a deeper ACL that grants nothing (NoAccess, which the
 * answer leaves out), so {@link readEffectivePermissions} asks for the
 * required paths one by one.
 */
export function isGranted(perms: EffectivePermissions, path: string, privilege: string): boolean {
  const exact = perms[path];
  if (exact) return exact[privilege] !== undefined;
  for (const ancestor of ancestors(path)) {
    const here = perms[ancestor];
    if (!here || !Object.values(here).some(Boolean)) continue;
    return here[privilege] === true;
  }
  return false;
}

/** The requirements neither granted on their path nor on any of their alternatives. */
export function missingPrivileges(
  required: readonly RequiredPrivilege[],
  perms: EffectivePermissions,
): MissingPrivilege[] {
  return required.filter((r) => ![r, ...r.orElse].some((o) => isGranted(perms, o.path, o.privilege)));
}

/**
 * The token's effective permissions: the whole answer, plus one exact answer
 * per path in `paths` (`?path=`), which Proxmox computes even for paths it
 * does not list (a VM not created yet). A path with nothing granted is kept
 * as an empty entry, so it is not inferred from its ancestors.
 */
export async function readEffectivePermissions(
  api: PveApi,
  paths: Iterable<string>,
): Promise<EffectivePermissions> {
  const all: Record<string, Record<string, boolean>> = { ...(await api.permissions()) };
  const wanted = [...new Set(paths)].sort();
  const exact = await Promise.all(wanted.map((path) => api.permissions({ path })));
  wanted.forEach((path, i) => {
    all[path] = exact[i]![path] ?? {};
  });
  return all;
}

/** Every path a requirement or one of its alternatives names. */
export function pathsOf(required: readonly RequiredPrivilege[]): string[] {
  return [...new Set(required.flatMap((r) => [r.path, ...r.orElse.map((o) => o.path)]))].sort();
}

function alternatives(r: RequiredPrivilege): string {
  const text = (o: PrivilegeOnPath) =>
    o.privilege === r.privilege
      ? `on ${o.path}`
      : o.path === r.path
        ? o.privilege
        : `${o.privilege} on ${o.path}`;
  return r.orElse.length ? ` (or ${r.orElse.map(text).join(', or ')})` : '';
}

/** One line per missing privilege: what, where, the alternatives Proxmox accepts, and for which resources. */
export function describeMissing(missing: readonly MissingPrivilege[]): string[] {
  return missing.map(
    (m) => `  ${m.privilege} on ${m.path}${alternatives(m)}, needed by ${m.neededFor.join(', ')}`,
  );
}

/** The error a deploy stops with before it writes anything. */
export function permissionMissingError(
  missing: readonly MissingPrivilege[],
  context: { readonly major: PveMajor; readonly tokenId?: string },
): EngineError {
  const who = context.tokenId ? `API token ${context.tokenId}` : 'API token';
  const count = `${missing.length} privilege${missing.length === 1 ? '' : 's'}`;
  return new EngineError(
    'ENGINE_PERMISSION_MISSING',
    [
      `the ${who} lacks ${count} this deploy needs (Proxmox VE ${context.major}):`,
      ...describeMissing(missing),
    ].join('\n'),
    `run \`pvecdk bootstrap-role <stackfile> --pve-version ${context.major}\` and grant the role and ACLs it prints ` +
      'to the token and to its user (a privilege-separated token has only what both are granted); nothing was changed',
  );
}

/** Throws ENGINE_PERMISSION_MISSING when `perms` lacks any of `required`. */
export function checkPermissions(
  required: readonly RequiredPrivilege[],
  perms: EffectivePermissions,
  context: { readonly major: PveMajor; readonly tokenId?: string },
): void {
  const missing = missingPrivileges(required, perms);
  if (missing.length) throw permissionMissingError(missing, context);
}
