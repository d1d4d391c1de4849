import { readFileSync } from 'node:fs';
import type { PveMajor } from '../../pve/privileges.ts';
import { BUG_HINT, EngineError } from '../engine-errors.ts';

/** One privilege on one ACL path. */
export interface PrivilegeOnPath {
  readonly path: string;
  readonly privilege: string;
}

/** `privilege` on `path`, or instead any one of `orElse` (Proxmox accepts either). */
export interface Requirement extends PrivilegeOnPath {
  readonly orElse: readonly PrivilegeOnPath[];
}

/** Values of the call's path and body parameters that permission checks refer to. */
export type CallParams = Readonly<Record<string, string | number | undefined>>;

type Check = readonly unknown[];
interface SchemaNode {
  readonly path: string;
  readonly info?: Record<string, { permissions?: { check?: Check } }>;
  readonly children?: readonly SchemaNode[];
}

const SCHEMA = new URL('../../sim/schema/pve-api-schema-8.4.json', import.meta.url);
let checks: Map<string, Check | undefined> | undefined;

/** `METHOD /path/{param}` → the method's `permissions.check` (undefined: any user may call it). */
function schemaChecks(): Map<string, Check | undefined> {
  if (checks) return checks;
  const found = new Map<string, Check | undefined>();
  const walk = (nodes: readonly SchemaNode[]): void => {
    for (const node of nodes) {
      for (const [method, info] of Object.entries(node.info ?? {}))
        found.set(`${method} ${node.path}`, info.permissions?.check);
      if (node.children) walk(node.children);
    }
  };
  walk(JSON.parse(readFileSync(SCHEMA, 'utf8')) as SchemaNode[]);
  checks = found;
  return found;
}

/**
 * PVE 9's checks for the endpoints whose PVE 8.4 check names VM.Monitor (the
 * only privilege checks of the calls that differ between the 8.4 and 9.1
 * schemas, pve-docs apidata). The first privilege is the specific one; the
 * rest are alternatives.
 */
const PVE9_INSTEAD_OF_VM_MONITOR: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/\/agent(\/(exec|exec-status|set-user-password))?$/, ['VM.GuestAgent.Unrestricted']],
  [/\/agent\/file-read$/, ['VM.GuestAgent.FileRead', 'VM.GuestAgent.Unrestricted']],
  [/\/agent\/file-write$/, ['VM.GuestAgent.FileWrite', 'VM.GuestAgent.Unrestricted']],
  [
    /\/agent\/(fsfreeze-freeze|fsfreeze-thaw|fstrim)$/,
    ['VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.Unrestricted'],
  ],
  [/\/agent\/(shutdown|suspend-\w+)$/, ['VM.PowerMgmt', 'VM.GuestAgent.Unrestricted']],
  [/\/agent\/[\w-]+$/, ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted']],
  [/\/monitor$/, ['Sys.Audit', 'Sys.Modify']],
];

/** `/vms/{vmid}` with vmid 101 → `/vms/101`; an unknown parameter cuts the path there (`/vms`): the broader path covers it. */
function fillPath(template: string, params: CallParams): string {
  const out: string[] = [];
  for (const segment of template.split('/').filter(Boolean)) {
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    const value = name === undefined ? segment : params[name];
    if (value === undefined || value === '') break;
    // A parameter may hold a whole path (`{path}` of the ACL call).
    out.push(...String(value).split('/').filter(Boolean));
  }
  return `/${out.join('/')}`;
}

const option = (o: PrivilegeOnPath): PrivilegeOnPath => ({ path: o.path, privilege: o.privilege });

const anyOf = (path: string, privileges: readonly string[]): Requirement => ({
  path,
  privilege: privileges[0]!,
  orElse: privileges.slice(1).map((privilege) => ({ path, privilege })),
});

/** `['perm', path, privs, 'any', 1, 'require_param', 'pool']` → the trailing key/value options. */
function optionsOf(rest: readonly unknown[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) options[String(rest[i])] = rest[i + 1];
  return options;
}

/**
 * One check of the schema as requirements that must all hold. Undefined
 * means the branch cannot be met by a grant pvecdk can name (`self`, or a
 * `require_param` the call does not send), so an `or` takes another branch.
 */
function evaluate(
  check: Check,
  params: CallParams,
  method: string,
  template: string,
  major: PveMajor,
): Requirement[] | undefined {
  const [kind, ...rest] = check;
  const sub = (c: unknown) => evaluate(c as Check, params, method, template, major);
  switch (kind) {
    case 'and': {
      const parts = rest.map(sub);
      return parts.some((p) => p === undefined) ? undefined : parts.flatMap((p) => p!);
    }
    case 'or': {
      const branches = rest.map(sub).filter((b): b is Requirement[] => b !== undefined);
      if (branches.length === 0) return undefined;
      // Single-privilege branches merge into one requirement with alternatives (clone: the VM or its pool).
      if (branches.every((b) => b.length === 1)) {
        const [first, ...others] = branches.map((b) => b[0]!);
        return [
          { ...first!, orElse: [...first!.orElse, ...others.flatMap((o) => [option(o), ...o.orElse])] },
        ];
      }
      return branches[0];
    }
    case 'perm': {
      const [pathTemplate, privileges, ...more] = rest as [string, string[], ...unknown[]];
      const options = optionsOf(more);
      if (typeof options.require_param === 'string' && params[options.require_param] === undefined)
        return undefined;
      const path = fillPath(pathTemplate, params);
      if (major === 9 && privileges.includes('VM.Monitor')) {
        const instead = PVE9_INSTEAD_OF_VM_MONITOR.find(([re]) => re.test(template))?.[1];
        if (!instead) throw internal(`no PVE 9 privilege known for ${method} ${template}`);
        return [anyOf(path, instead)];
      }
      return options.any
        ? [anyOf(path, privileges)]
        : privileges.map((privilege) => ({ path, privilege, orElse: [] }));
    }
    case 'userid-param': {
      if (rest[0] === 'self') return undefined;
      const realm = String(params.userid ?? '').split('@')[1];
      return [
        { path: realm ? `/access/realm/${realm}` : '/access/realm', privilege: String(rest[0]), orElse: [] },
      ];
    }
    case 'userid-group':
      // Holding it on /access/groups covers every user; per-group grants are a narrower alternative.
      return [anyOf('/access/groups', rest[0] as string[])];
    case 'perm-modify':
      return [{ path: fillPath(String(rest[0]), params), privilege: 'Permissions.Modify', orElse: [] }];
    default:
      throw internal(`unknown permission check '${String(kind)}' of ${method} ${template}`);
  }
}

/**
 * What one API call needs, from the `permissions.check` of the PVE 8.4 schema
 * (for PVE 9 the VM.Monitor checks are replaced, see above). Calls any user
 * may make need nothing. Checks Proxmox makes inside a handler are not in the
 * schema; callers add those themselves.
 */
export function callRequirements(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  template: string,
  params: CallParams,
  major: PveMajor,
): Requirement[] {
  const all = schemaChecks();
  const key = `${method} ${template}`;
  if (!all.has(key)) throw internal(`${key} is not in the Proxmox VE API schema`);
  const check = all.get(key);
  if (!check) return [];
  const result = evaluate(check, params, method, template, major);
  if (!result) throw internal(`${key}: no privilege grant satisfies its check with these parameters`);
  return result;
}

/** What the preflight asks of the schema is pvecdk's own code: a miss is a bug, not the user's mistake. */
function internal(message: string): EngineError {
  return new EngineError('ENGINE_INTERNAL', message, BUG_HINT);
}
