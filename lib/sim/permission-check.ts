import { effectivePrivileges } from './acl.ts';
import type { EmulatorAuth } from './auth.ts';
import { EmulatorHttpError } from './emulator-error.ts';
import type { SchemaMethod } from './schema-index.ts';
import type { EmulatorState } from './state.ts';

/**
 * Evaluates a method's `permissions.check` from the schema: `perm` (all
 * privileges, or any with `"any", 1`), `and`, `or`, and the user-param forms.
 * Throws Proxmox's 403 naming the path and privilege that failed.
 */
export function checkPermission(
  method: SchemaMethod,
  auth: EmulatorAuth,
  state: EmulatorState,
  params: Record<string, unknown>,
): void {
  const perms = method.permissions;
  if (!perms?.check) return;
  const model = { acl: state.acl, roles: state.roles, groups: state.groups };
  let failure: string | undefined;

  const evaluate = (check: readonly unknown[]): boolean => {
    const [kind, ...rest] = check;
    if (kind === 'and') return (rest as unknown[][]).every((c) => evaluate(c));
    if (kind === 'or') return (rest as unknown[][]).some((c) => evaluate(c));
    if (kind === 'perm') {
      const [rawPath, privs, mode, flag] = rest as [string, string[], string?, number?];
      const path = rawPath.replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? ''));
      const have = effectivePrivileges(model, auth.userid, auth.tokenid, auth.privsep, path);
      const any = mode === 'any' && flag === 1;
      const ok = any ? privs.some((p) => have.has(p)) : privs.every((p) => have.has(p));
      if (!ok)
        failure ??= `${path}, ${any ? privs.join(' | ') : privs.filter((p) => !have.has(p)).join(', ')}`;
      return ok;
    }
    // userid-param / userid-group and others: the handlers themselves restrict what they touch.
    return true;
  };

  if (!evaluate(perms.check)) {
    throw new EmulatorHttpError(403, `Permission check failed (${failure ?? 'unknown'})`);
  }
}
