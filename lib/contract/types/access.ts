import { z } from 'zod';
import { definePlanType, identityOf } from '../plan-type.ts';
import { USER_ID } from './common.ts';

/** Proxmox access control: users, API tokens, roles and ACL entries. */

const RFC3339 = z.iso.datetime({ offset: true });

export const userType = definePlanType({
  type: 'proxmox_virtual_environment_user',
  typeName: 'VirtualEnvironmentUser',
  properties: (k) =>
    z.strictObject({
      user_id: USER_ID.describe('`name@realm`, e.g. `ops@pve`.'),
      password: k
        .secret()
        .optional()
        .describe('Set once, at creation, for the `pve` and `pam` realms (a secret reference).'),
      comment: z.string().optional().describe('A comment.'),
      email: z.email().optional().describe('E-mail address.'),
      first_name: z.string().optional().describe('First name.'),
      last_name: z.string().optional().describe('Last name.'),
      enabled: z.boolean().optional().meta({ description: 'Whether the user may log in.', default: 'true' }),
      expiration_date: RFC3339.optional().meta({
        description: 'When the account expires (RFC 3339).',
        default: 'never',
      }),
      groups: z.array(z.string().min(1)).optional().describe('Groups the user is in.'),
      acl: z
        .array(
          z.strictObject({
            path: z.string().startsWith('/').describe('An ACL path.'),
            role_id: z.string().min(1).describe('The role granted.'),
            propagate: z.boolean().optional().meta({ description: 'Also on paths below.', default: 'true' }),
          }),
        )
        .optional()
        .describe("The user's direct grants (deprecated by the provider in favour of the ACL resource)."),
    }),
  identity: identityOf('user_id'),
  attributes: { user_id: 'The user id.' },
});

export const userTokenType = definePlanType({
  type: 'proxmox_virtual_environment_user_token',
  typeName: 'VirtualEnvironmentUserToken',
  properties: (k) =>
    z.strictObject({
      user_id: k.ref(USER_ID).describe('The user the token belongs to.'),
      token_name: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'letters, digits, . _ -, starting with a letter')
        .describe('The token name.'),
      comment: z.string().optional().describe('A comment.'),
      expiration_date: RFC3339.optional().meta({
        description: 'When the token expires (RFC 3339).',
        default: 'never',
      }),
      privileges_separation: z.boolean().optional().meta({
        description: "The token's privileges are its own ACLs, intersected with the user's.",
        default: 'true',
      }),
    }),
  identity: identityOf('user_id', 'token_name'),
  attributes: {
    id: '`user@realm!token`.',
    user_id: 'The user.',
    token_name: 'The token name.',
    value: 'The token secret: a reference into the secret store, never the secret.',
  },
});

export const roleType = definePlanType({
  type: 'proxmox_virtual_environment_role',
  typeName: 'VirtualEnvironmentRole',
  properties: () =>
    z.strictObject({
      role_id: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, _ and -')
        .describe('The role name.'),
      privileges: z
        .array(z.string().regex(/^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)+$/, 'a privilege such as VM.Audit'))
        .min(1)
        .refine((p) => new Set(p).size === p.length, 'privileges must be unique')
        .describe('e.g. `["VM.Audit", "VM.PowerMgmt"]`.'),
    }),
  identity: identityOf('role_id'),
  attributes: { role_id: 'The role name.' },
});

export const aclType = definePlanType({
  type: 'proxmox_virtual_environment_acl',
  typeName: 'VirtualEnvironmentAcl',
  properties: (k) =>
    z
      .strictObject({
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9/._-]*$/, 'an ACL path such as / or /pool/acme')
          .describe('`/`, `/vms/101`, `/pool/acme`, `/storage/local`.'),
        role_id: k.ref(z.string().min(1)).describe('The role granted.'),
        user_id: k.ref(z.string().min(1)).optional().describe('Grant to this user.'),
        group_id: k.ref(z.string().min(1)).optional().describe('Grant to this group.'),
        token_id: k
          .ref(z.string().min(1))
          .optional()
          .describe('Grant to this API token (`user@realm!name`).'),
        propagate: z
          .boolean()
          .optional()
          .meta({ description: 'Also on paths below.', default: "Proxmox's: true" }),
      })
      .refine((a) => [a.user_id, a.group_id, a.token_id].filter((x) => x !== undefined).length === 1, {
        message: 'exactly one of userId, groupId or tokenId must be set',
      }),
  identity: identityOf('path', 'role_id', 'user_id', 'group_id', 'token_id'),
  attributes: {
    path: 'The ACL path.',
    role_id: 'The role.',
    type: '`user`, `group` or `token`.',
    ugid: 'The user, group or token.',
  },
});
