import { z } from 'zod';
import type { PveClient, PveParams } from '../client.ts';
import { boolLike, intLike } from './schemas.ts';

export const UserSchema = z.object({
  userid: z.string(),
  enable: boolLike.optional(),
  expire: intLike.optional(),
  comment: z.string().optional(),
  email: z.string().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
  // A comma-separated string in the list, an array in some versions.
  groups: z.union([z.string(), z.array(z.string())]).optional(),
});

export const ApiTokenSchema = z.object({
  tokenid: z.string(),
  privsep: boolLike.optional(),
  expire: intLike.optional(),
  comment: z.string().optional(),
});

/** The answer to creating a token: `value` is the secret, shown this once. */
export const CreatedTokenSchema = z.object({
  'full-tokenid': z.string(),
  value: z.string(),
  info: z.object({
    privsep: boolLike.optional(),
    expire: intLike.optional(),
    comment: z.string().optional(),
  }),
});
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

export const AclEntrySchema = z.object({
  path: z.string(),
  type: z.enum(['user', 'group', 'token']),
  ugid: z.string(),
  roleid: z.string(),
  propagate: boolLike,
});
export type AclEntry = z.infer<typeof AclEntrySchema>;

/** A role of `/access/roles`: `privs` is one comma-separated string; built-in roles carry `special`. */
export const RoleSchema = z.object({
  roleid: z.string(),
  privs: z.string().optional(),
  special: boolLike.optional(),
});
export type Role = z.infer<typeof RoleSchema>;

/** Path → privilege → propagate flag. */
export const PermissionsSchema = z.record(z.string(), z.record(z.string(), boolLike));

export interface AclChange {
  readonly path: string;
  readonly roles: readonly string[];
  readonly users?: readonly string[];
  readonly groups?: readonly string[];
  readonly tokens?: readonly string[];
  readonly propagate?: boolean;
  /** Remove these grants instead of adding them. */
  readonly delete?: boolean;
}

const userPath = (userid: string) => `/access/users/${encodeURIComponent(userid)}`;
const rolePath = (roleid: string) => `/access/roles/${encodeURIComponent(roleid)}`;
const joined = (list: readonly string[] | undefined) => (list?.length ? list.join(',') : undefined);

/** Users, API tokens, roles, ACLs and effective permissions. */
export class AccessApi {
  constructor(private readonly client: PveClient) {}

  /** Users; `full` adds the groups each is in (Proxmox lists them only then). */
  users(options: { full?: boolean } = {}) {
    return this.client.get('/access/users', options.full ? { full: 1 } : {}, UserSchema.array());
  }

  async createUser(params: PveParams & { userid: string }): Promise<void> {
    await this.client.post('/access/users', params);
  }

  async updateUser(userid: string, params: PveParams): Promise<void> {
    await this.client.put(userPath(userid), params);
  }

  async deleteUser(userid: string): Promise<void> {
    await this.client.delete(userPath(userid));
  }

  tokens(userid: string) {
    return this.client.get(`${userPath(userid)}/token`, {}, ApiTokenSchema.array());
  }

  /** Creates a token; the returned `value` is its secret and is never shown again by Proxmox. */
  createToken(userid: string, tokenid: string, params: PveParams = {}): Promise<CreatedToken> {
    return this.client.post(
      `${userPath(userid)}/token/${encodeURIComponent(tokenid)}`,
      params,
      CreatedTokenSchema,
    );
  }

  async updateToken(userid: string, tokenid: string, params: PveParams): Promise<void> {
    await this.client.put(`${userPath(userid)}/token/${encodeURIComponent(tokenid)}`, params);
  }

  async deleteToken(userid: string, tokenid: string): Promise<void> {
    await this.client.delete(`${userPath(userid)}/token/${encodeURIComponent(tokenid)}`);
  }

  roles(): Promise<Role[]> {
    return this.client.get('/access/roles', {}, RoleSchema.array());
  }

  async createRole(roleid: string, privileges: readonly string[]): Promise<void> {
    await this.client.post('/access/roles', { roleid, privs: privileges.join(',') });
  }

  /** Replaces the role's privileges (Proxmox adds them instead with `append`, which is not used). */
  async updateRole(roleid: string, privileges: readonly string[]): Promise<void> {
    await this.client.put(rolePath(roleid), { privs: privileges.join(',') });
  }

  /** Proxmox also removes the ACL entries that grant the role. */
  async deleteRole(roleid: string): Promise<void> {
    await this.client.delete(rolePath(roleid));
  }

  acl(): Promise<AclEntry[]> {
    return this.client.get('/access/acl', {}, AclEntrySchema.array());
  }

  async setAcl(change: AclChange): Promise<void> {
    await this.client.put('/access/acl', {
      path: change.path,
      roles: change.roles.join(','),
      users: joined(change.users),
      groups: joined(change.groups),
      tokens: joined(change.tokens),
      propagate: change.propagate,
      delete: change.delete,
    });
  }

  /** The effective privileges of the caller (or `userid`), by ACL path. */
  permissions(params: { path?: string; userid?: string } = {}) {
    return this.client.get('/access/permissions', params, PermissionsSchema);
  }
}
