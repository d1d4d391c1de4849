import type { PlanSecret } from '../../contract/plan-values.ts';
import { userTokenType, userType } from '../../contract/types/access.ts';
import { PvecdkError } from '../../core/errors.ts';
import type { AclEntry } from '../../pve/api/access.ts';
import type { PveParams, PveParamValue } from '../../pve/client.ts';
import { PveError } from '../../pve/errors.ts';
import { EngineError } from '../engine-errors.ts';
import { proxmoxKeys } from '../proxmox/proxmox-keys.ts';
import { RECEIVED_PREFIX } from '../secrets/secret-store.ts';
import {
  CREATE,
  defineHandler,
  type HandlerContext,
  type PropertyChange,
  propertyChange,
  sharedRead,
  updateOrNoOp,
} from './handler.ts';
import { atResource } from './handler-errors.ts';

type Props = Readonly<Record<string, unknown>>;

/** A property in the one form both sides are compared in: text, a flag, a number, a sorted list, or unset. */
type Canonical = string | boolean | number | readonly string[] | undefined;

/** A plan property that maps to one API key; only the ones a plan declares are managed. */
interface Field {
  /** The plan's (provider's) key, as changes show it. */
  readonly key: string;
  /** The API's parameter and answer key. */
  readonly api: string;
  readonly fromPlan: (value: unknown) => Canonical;
  readonly fromLive: (value: unknown) => Canonical;
}

type Kind = Pick<Field, 'fromPlan' | 'fromLive'>;

/** Absent text reads as empty: clearing a comment is no change from having none. */
const text: Kind = { fromPlan: (v) => String(v), fromLive: (v) => (v == null ? '' : String(v)) };

/** Booleans arrive as 0/1, '1' or true; an absent one is Proxmox's default. */
const flag = (unset: boolean): Kind => ({
  fromPlan: (v) => v === true,
  fromLive: (v) => (v == null ? unset : v === true || v === 1 || v === '1'),
});

/** RFC 3339 in the plan, epoch seconds in the API; 0 means no expiry. */
const expiry: Kind = {
  fromPlan: (v) => Math.floor(Date.parse(String(v)) / 1000),
  fromLive: (v) => (v == null || Number(v) === 0 ? undefined : Number(v)),
};

/** Lists compare as sorted sets; the API writes them as one comma-separated string. */
const sortedList: Kind = {
  fromPlan: (v) => [...new Set((v as unknown[]).map(String))].sort(),
  fromLive: (v) =>
    [...new Set(Array.isArray(v) ? v.map(String) : String(v ?? '').split(/[,;\s]+/))].filter(Boolean).sort(),
};

const same = (a: Canonical, b: Canonical) => JSON.stringify(a) === JSON.stringify(b);

/** What a change shows: dates as dates rather than epoch seconds. */
const shown = (field: Field, value: Canonical) =>
  field.api === 'expire' && typeof value === 'number' ? new Date(value * 1000).toISOString() : value;

function declared(fields: readonly Field[], props: Props): Field[] {
  return fields.filter((f) => props[f.key] !== undefined);
}

function fieldChanges(fields: readonly Field[], props: Props, live: Props): PropertyChange[] {
  const changes: PropertyChange[] = [];
  for (const f of declared(fields, props)) {
    const want = f.fromPlan(props[f.key]);
    const have = f.fromLive(live[f.api]);
    if (!same(want, have))
      changes.push(propertyChange(f.key, shown(f, have), shown(f, want), { api: f.api }));
  }
  return changes;
}

function fieldParams(fields: readonly Field[], props: Props): Record<string, PveParamValue> {
  const out: Record<string, PveParamValue> = {};
  for (const f of declared(fields, props)) {
    const value = f.fromPlan(props[f.key]);
    out[f.api] = Array.isArray(value) ? value.join(',') : (value as PveParamValue);
  }
  return out;
}

/** Resolves a secret property; errors name the resource and the reference, never a value. */
function secretOf(ctx: HandlerContext, path: string, key: string, ref: PlanSecret): string {
  if (!ctx.secrets)
    throw new EngineError(
      'ENGINE_NO_SECRET_STORE',
      `${path}: ${key} is the secret ${ref.secret}, and this run has no secret store to read it from`,
      'deploy with the CLI, which opens the secret store',
    );
  try {
    return ctx.secrets.resolve(ref.secret);
  } catch (e) {
    throw atResource(`${path}: ${key}`, e);
  }
}

/** Runs a call that carries `secret`, so that no error it raises can show it (nor keep it as a cause). */
async function keepingSecret<T>(secret: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!secret || !(e instanceof Error) || !e.message.includes(secret)) throw e;
    const message = e.message.split(secret).join('(secret)');
    throw e instanceof PvecdkError
      ? new PvecdkError(e.code, message, e.hint?.split(secret).join('(secret)'))
      : new Error(message);
  }
}

const USER_FIELDS: readonly Field[] = [
  { key: 'comment', api: 'comment', ...text },
  { key: 'email', api: 'email', ...text },
  { key: 'first_name', api: 'firstname', ...text },
  { key: 'last_name', api: 'lastname', ...text },
  { key: 'enabled', api: 'enable', ...flag(true) },
  { key: 'expiration_date', api: 'expire', ...expiry },
  { key: 'groups', api: 'groups', ...sortedList },
];

/** The Proxmox keys of a type's fields, and of the keys that name the object. */
const keysOf = (fields: readonly Field[], identity: Readonly<Record<string, string>>) =>
  proxmoxKeys({ ...identity, ...Object.fromEntries(fields.map((f) => [f.key, f.api])) });

const USER_KEYS = keysOf(USER_FIELDS, { user_id: 'userid' });

/** One entry of a user's deprecated `acl` block. */
interface UserGrant {
  readonly path: string;
  readonly role_id: string;
  readonly propagate: boolean;
}

const grantKey = (g: UserGrant) => `${g.path} ${g.role_id} ${g.propagate ? 1 : 0}`;
const byKey = (a: UserGrant, b: UserGrant) => (grantKey(a) < grantKey(b) ? -1 : 1);

function wantedGrants(
  acl: ReadonlyArray<{ path: string; role_id: string; propagate?: boolean }>,
): UserGrant[] {
  return acl.map((g) => ({ path: g.path, role_id: g.role_id, propagate: g.propagate !== false }));
}

function liveGrants(acl: readonly AclEntry[], userid: string): UserGrant[] {
  return acl
    .filter((a) => a.type === 'user' && a.ugid === userid)
    .map((a) => ({ path: a.path, role_id: a.roleid, propagate: a.propagate }));
}

/** Adds the wanted grants the user lacks and removes the others (a changed propagate is a re-add). */
async function syncGrants(ctx: HandlerContext, userid: string, wanted: UserGrant[]): Promise<void> {
  const have = liveGrants(await ctx.api.access.acl(), userid);
  const haveKeys = new Set(have.map(grantKey));
  for (const g of have)
    if (!wanted.some((w) => w.path === g.path && w.role_id === g.role_id))
      await ctx.api.access.setAcl({ path: g.path, roles: [g.role_id], users: [userid], delete: true });
  for (const g of wanted)
    if (!haveKeys.has(grantKey(g)))
      await ctx.api.access.setAcl({
        path: g.path,
        roles: [g.role_id],
        users: [userid],
        propagate: g.propagate,
      });
}

/**
 * `proxmox_virtual_environment_user`. The password is set once, with the
 * create call (Proxmox never returns it, so it cannot be diffed; and its
 * own password endpoint refuses API tokens): rotate it in Proxmox. The
 * deprecated `acl` block owns all of the user's direct grants when set.
 */
export const userHandler = defineHandler({
  contract: userType,
  proxmoxKey: (path) => USER_KEYS.apiOf(path),

  locks() {
    return ['access'];
  },

  async read(ctx, resource) {
    const id = resource.props.user_id;
    // `full`: without it Proxmox leaves out the groups a user is in.
    const users = await sharedRead(ctx, 'access:users', () => ctx.api.access.users({ full: true }));
    const user = users.find((u) => u.userid === id);
    if (!user) return undefined;
    const live: Record<string, unknown> = { ...user };
    if (resource.props.acl !== undefined)
      live.acl = liveGrants(await sharedRead(ctx, 'access:acl', () => ctx.api.access.acl()), id);
    return { attributes: { user_id: id }, live };
  },

  diff(resource, observed) {
    if (!observed) return CREATE;
    const changes = fieldChanges(USER_FIELDS, resource.props, observed.live);
    if (resource.props.acl !== undefined) {
      const want = wantedGrants(resource.props.acl).sort(byKey);
      const have = [...(observed.live.acl as UserGrant[])].sort(byKey);
      if (want.map(grantKey).join('\n') !== have.map(grantKey).join('\n'))
        changes.push({ key: 'acl', from: have, to: want, forcesReplacement: false });
    }
    return updateOrNoOp(changes);
  },

  async apply(ctx, resource, planned) {
    const props = resource.props;
    const id = props.user_id;
    const params = fieldParams(USER_FIELDS, props);
    if (planned.action === 'create') {
      const password = props.password ? secretOf(ctx, resource.path, 'password', props.password) : undefined;
      await keepingSecret(password, () =>
        ctx.api.access.createUser({ userid: id, ...params, ...(password ? { password } : {}) }),
      ).catch((e) => {
        throw atResource(resource.path, e);
      });
    } else if (planned.changes.some((c) => c.key !== 'acl')) {
      await ctx.api.access.updateUser(id, params).catch((e) => {
        throw atResource(resource.path, e);
      });
    }
    if (props.acl !== undefined)
      await syncGrants(ctx, id, wantedGrants(props.acl)).catch((e) => {
        throw atResource(
          resource.path,
          e,
          'check that each acl role exists, and each path is one Proxmox knows',
        );
      });
    return { user_id: id };
  },

  async delete(ctx, applied) {
    // Proxmox removes the user's tokens and grants with it.
    await ctx.api.access.deleteUser(String(applied.attributes.user_id));
  },

  requirements(resource, call) {
    const p = resource.props;
    const at = { userid: p.user_id, groups: p.groups?.join(',') };
    return [
      ...call('GET', '/access/users/{userid}', at),
      ...call('POST', '/access/users', at),
      ...call('PUT', '/access/users/{userid}', at),
      ...call('DELETE', '/access/users/{userid}', at),
      ...(p.acl ?? []).flatMap((a) => call('PUT', '/access/acl', { path: a?.path })),
    ];
  },
});

const TOKEN_FIELDS: readonly Field[] = [
  { key: 'comment', api: 'comment', ...text },
  { key: 'expiration_date', api: 'expire', ...expiry },
  { key: 'privileges_separation', api: 'privsep', ...flag(true) },
];

const TOKEN_KEYS = keysOf(TOKEN_FIELDS, { user_id: 'userid', token_name: 'tokenid' });

/** Where a token's secret is kept in the secret store: shown once by Proxmox, so received, not generated. */
export const tokenSecretName = (fullTokenId: string) => `${RECEIVED_PREFIX}pve-tokens/${fullTokenId}`;

function tokenAttributes(userid: string, name: string): Record<string, unknown> {
  const id = `${userid}!${name}`;
  // `value` is a reference into the secret store, resolved by whoever needs it; never the secret.
  return { id, user_id: userid, token_name: name, value: { secret: `generated:${tokenSecretName(id)}` } };
}

/**
 * `proxmox_virtual_environment_user_token`: an API token of a user. The
 * secret Proxmox returns once at creation goes into the secret store
 * (`value` is a reference to it); comment, expiry and privilege separation
 * change in place.
 */
/** Whether Proxmox lists the user (the list shows every user the caller may see, and root's token sees all). */
async function userExists(
  ctx: { api: { access: { users(): Promise<Array<{ userid: string }>> } } },
  userid: string,
) {
  return (await ctx.api.access.users()).some((u) => u.userid === userid);
}

export const userTokenHandler = defineHandler({
  contract: userTokenType,
  proxmoxKey: (path) => TOKEN_KEYS.apiOf(path),

  locks() {
    return ['access'];
  },

  async read(ctx, resource) {
    const { user_id: userid, token_name: name } = resource.props;
    let tokens: Awaited<ReturnType<typeof ctx.api.access.tokens>>;
    try {
      tokens = await sharedRead(ctx, `access:tokens:${userid}`, () => ctx.api.access.tokens(userid));
    } catch (e) {
      // No such user: so no token either. A token caller gets 403 for a user that does not exist
      // (the 'self' and group checks both fail), so the user list decides.
      if (e instanceof PveError && e.code === 'PVE_NOT_FOUND') return undefined;
      if (e instanceof PveError && e.code === 'PVE_PERMISSION' && !(await userExists(ctx, userid)))
        return undefined;
      throw e;
    }
    const token = tokens.find((t) => t.tokenid === name);
    return token ? { attributes: tokenAttributes(userid, name), live: { ...token } } : undefined;
  },

  diff(resource, observed) {
    return observed ? updateOrNoOp(fieldChanges(TOKEN_FIELDS, resource.props, observed.live)) : CREATE;
  },

  async apply(ctx, resource, planned) {
    const { user_id: userid, token_name: name } = resource.props;
    const params: PveParams = fieldParams(TOKEN_FIELDS, resource.props);
    if (planned.action !== 'create') {
      await ctx.api.access.updateToken(userid, name, params).catch((e) => {
        throw atResource(resource.path, e);
      });
      return tokenAttributes(userid, name);
    }
    const store = ctx.secrets;
    if (!store?.remember)
      throw new EngineError(
        'ENGINE_NO_SECRET_STORE',
        `${resource.path}: Proxmox shows a new token's secret only once, and this run has no secret store to keep it; nothing was created`,
        'deploy with the CLI, which opens the secret store',
      );
    const created = await ctx.api.access.createToken(userid, name, params).catch(async (e) => {
      if (e instanceof PveError && e.code === 'PVE_PERMISSION' && !(await userExists(ctx, userid)))
        e = new PveError('PVE_NOT_FOUND', `no such user ('${userid}')`);
      throw atResource(
        resource.path,
        e,
        `check that user ${userid} exists (create it first, or depend on it)`,
      );
    });
    try {
      store.remember(tokenSecretName(created['full-tokenid']), created.value);
    } catch (e) {
      throw atResource(
        resource.path,
        e,
        `token ${created['full-tokenid']} exists but its secret is lost: delete the token in Proxmox and deploy again`,
      );
    }
    return tokenAttributes(userid, name);
  },

  async delete(ctx, applied) {
    const { user_id: userid, token_name: name } = applied.attributes;
    await ctx.api.access.deleteToken(String(userid), String(name));
    // The token is gone, and so is any use of its secret.
    ctx.secrets?.forget?.(tokenSecretName(`${String(userid)}!${String(name)}`));
  },

  requirements(resource, call) {
    const at = { userid: resource.props.user_id, tokenid: resource.props.token_name };
    return (['GET', 'POST', 'PUT', 'DELETE'] as const).flatMap((m) =>
      call(m, '/access/users/{userid}/token/{tokenid}', at),
    );
  },

  predictAttribute(props, attribute) {
    // A token's id is known before it exists: `user@realm!name`.
    if (attribute === 'id')
      return props.user_id !== undefined && props.token_name !== undefined
        ? `${props.user_id}!${props.token_name}`
        : undefined;
    return (props as Props)[attribute];
  },
});
