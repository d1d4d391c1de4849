import { z } from 'zod';
import { type ContractKit, definePlanType, identityOf } from '../plan-type.ts';
import { NODE_NAME, VM_ID } from './common.ts';

/**
 * pvecdk's own guest resource types: changes made inside a guest over SSH.
 * Each names its guest with a target block.
 */

const guestTarget = (k: ContractKit) =>
  z
    .strictObject({
      vm_id: k.ref(VM_ID).describe('The VM, usually `vm.vmId` of the VirtualEnvironmentVm.'),
      node_name: k.ref(NODE_NAME).describe('The node the VM runs on, usually `vm.nodeName`.'),
      host: k
        .ref(z.string().min(1))
        .describe('SSH endpoint: an address the engine can reach (often through the VPN or a jump host).'),
      port: z.number().int().min(1).max(65_535).optional().meta({ description: 'SSH port.', default: '22' }),
      username: z
        .string()
        .regex(/^[A-Za-z0-9._\\-]{1,64}$/, 'a user name of letters, digits, . _ - \\')
        .describe('The user the engine logs in as.'),
      dialect: z
        .enum(['sh', 'powershell', 'pfsense'])
        .describe("How the engine talks to the guest; `pfsense` is FreeBSD sh with pfSense's PHP tools."),
      private_key: k.secret().describe('The key the engine logs in with (a secret reference).'),
      host_key_sha256: z
        .string()
        .regex(
          /^SHA256:[A-Za-z0-9+/]{43}=?$/,
          'a host key fingerprint as ssh-keygen -lf prints it (SHA256:...)',
        )
        .optional()
        .meta({
          description: 'Pinned host key (`SHA256:...` as ssh-keygen prints it).',
          default: 'trust on first use, recorded in state',
        }),
      jump_host: z
        .string()
        .regex(/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?$/, 'user@host or user@host:port')
        .optional()
        .describe('Reach the guest through this SSH host first (`user@host:port`).'),
    })
    .meta({
      description: 'The guest a resource changes: the VM (for snapshots) and its SSH endpoint.',
      typeName: 'GuestTarget',
    });

const GUEST_ATTRIBUTES = {};

export const guestFileType = definePlanType({
  type: 'pvecdk_guest_file',
  typeName: 'GuestFile',
  properties: (k) =>
    z.strictObject({
      target: guestTarget(k),
      path: z
        .string()
        .regex(/^(\/|[A-Za-z]:\\)/, 'an absolute path')
        .describe('Absolute path in the guest.'),
      content: z.string().describe('The file content.'),
      mode: z
        .string()
        .regex(/^0[0-7]{3}$/, 'an octal mode such as 0644')
        .optional()
        .meta({ description: 'POSIX mode; ignored on Windows.', default: '0644' }),
    }),
  attributes: GUEST_ATTRIBUTES,
});

export const guestCommandType = definePlanType({
  type: 'pvecdk_guest_command',
  typeName: 'GuestCommand',
  properties: (k) =>
    z.strictObject({
      target: guestTarget(k),
      command: z
        .string()
        .min(1)
        .describe('Converges the guest; must be idempotent (running it twice changes nothing).'),
      check: z
        .string()
        .min(1)
        .optional()
        .describe('Exits 0 when the guest is already as wanted; the engine then skips `command`.'),
      triggers: z
        .record(z.string(), z.string())
        .optional()
        .describe('Values whose change reruns the command even when `check` passes.'),
    }),
  attributes: GUEST_ATTRIBUTES,
});

const pfsenseRule = z
  .strictObject({
    interface: z.string().min(1).describe('`wan`, `lan`, `opt1`, `openvpn`, ...'),
    type: z.enum(['pass', 'block', 'reject']).describe('What a match does.'),
    protocol: z.string().min(1).describe('`tcp`, `udp`, `tcp/udp`, `icmp` or `any`.'),
    source: z
      .string()
      .min(1)
      .describe('`any`, a CIDR, an address, an alias or a pfSense network name such as `lan`.'),
    destination: z.string().min(1).describe('Like `source`.'),
    destination_port: z.string().min(1).describe('A port, a range `a-b` or `any`.'),
    description: z.string().describe('The rule description.'),
  })
  .meta({
    description: 'A filter rule as data, next to its rendered XML, so policies and diffs can read it.',
    typeName: 'PfsenseRuleSummary',
  });

const pfsensePortForward = z
  .strictObject({
    interface: z.string().min(1).describe('The interface it listens on.'),
    protocol: z.string().min(1).describe('The protocol.'),
    external_port: z.string().min(1).describe('The port it listens on.'),
    target: z.string().min(1).describe('The address it forwards to.'),
    target_port: z.string().min(1).describe('The port it forwards to.'),
    description: z.string().describe('The description.'),
  })
  .meta({ description: 'A NAT port forward as data.', typeName: 'PfsensePortForwardSummary' });

export const pfsenseConfigType = definePlanType({
  type: 'pvecdk_pfsense_config',
  typeName: 'PfsenseConfig',
  properties: (k) =>
    z.strictObject({
      target: guestTarget(k),
      sections: z
        .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a config.xml element name'), z.string().min(1))
        .describe(
          'config.xml sections this resource owns, by element name (`interfaces`, `filter`, `openvpn`, ...), each rendered XML; sections not listed are left as they are.',
        ),
      rules: z.array(pfsenseRule).optional().describe('The filter rules the sections hold, as data.'),
      port_forwards: z
        .array(pfsensePortForward)
        .optional()
        .describe('The port forwards the sections hold, as data.'),
      secrets: z
        .array(z.string().regex(/^(env|file|generated):.+$/))
        .optional()
        .describe(
          'Secret references the sections hold as `{{secret:...}}` markers, filled in by the engine.',
        ),
      reload: z
        .enum(['all', 'filter', 'openvpn'])
        .optional()
        .meta({ description: 'What to reload after writing.', default: 'all' }),
    }),
  attributes: GUEST_ATTRIBUTES,
});

export const vpnUserType = definePlanType({
  type: 'pvecdk_vpn_user',
  typeName: 'VpnUser',
  properties: (k) =>
    z.strictObject({
      target: guestTarget(k).describe('The router that terminates the VPN.'),
      user_name: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ -')
        .describe('The VPN user (the certificate common name).'),
      kind: z.enum(['openvpn', 'wireguard']).describe('The VPN.'),
      tunnel_address: z.ipv4().describe("The user's fixed address in the tunnel network."),
      private_key: k
        .secret()
        .describe(
          "The user's key (certificate key or WireGuard private key), generated at deploy and kept locally.",
        ),
      router_entry: z
        .string()
        .min(1)
        .describe(
          'Rendered per-user router configuration (OpenVPN client-specific override or WireGuard peer).',
        ),
      profile: z
        .string()
        .min(1)
        .describe(
          'Rendered client profile with `{{secret:...}}` markers, written for the operator at deploy (mode 0600).',
        ),
      profile_file_name: z
        .string()
        .regex(/^[A-Za-z0-9._-]+\.(ovpn|conf)$/)
        .describe('The file name of the profile.'),
    }),
  attributes: GUEST_ATTRIBUTES,
});

const WINDOWS_PATH = z.string().regex(/^[A-Za-z]:\\[^<>"|?*\n]+$/, 'an absolute Windows path (C:\\...)');

const fenceRule = z
  .strictObject({
    name: z
      .string()
      .regex(/^pvecdk-rds\/[A-Za-z0-9._-]+\/[a-z0-9/.-]+$/, 'pvecdk-rds/<user>/<what>')
      .describe('The rule name (`pvecdk-rds/<user>/allow/<server>`, `pvecdk-rds/<user>/block`).'),
    display_name: z.string().min(1).describe('What Windows shows.'),
    action: z.enum(['Allow', 'Block']).describe('What a match does; Windows applies Block before Allow.'),
    remote_ports: z
      .string()
      .regex(/^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/, 'ports such as 19812-19815')
      .describe('TCP remote ports.'),
    remote_addresses: z
      .array(
        z.string().regex(/^\d{1,3}(\.\d{1,3}){3}(-\d{1,3}(\.\d{1,3}){3})?$/, 'an IPv4 address or range a-b'),
      )
      .min(1)
      .describe('Remote addresses and ranges.'),
    servers: z
      .array(z.string())
      .optional()
      .describe('The 4D servers the rule allows (an Allow rule), for review and policies.'),
  })
  .meta({
    description: 'An outbound Windows Firewall rule that applies to one account only, as data.',
    typeName: 'RdsFenceRuleSummary',
  });

export const rdsUserType = definePlanType({
  type: 'pvecdk_rds_user',
  typeName: 'RdsUser',
  identity: identityOf('user_name'),
  properties: (k) =>
    z.strictObject({
      target: guestTarget(k),
      user_name: z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/,
          'at most 20 letters, digits, . _ - (a Windows account name)',
        )
        .describe('Local Windows account name (at most 20 characters, as Windows requires).'),
      full_name: z.string().max(256).optional().describe('The full name.'),
      password: k.secret().describe('The initial password (a secret reference).'),
      groups: z
        .array(z.string().min(1))
        .min(1)
        .describe('Local groups; "Remote Desktop Users" lets the user log on through RDP.'),
      outbound_rules: z
        .array(fenceRule)
        .optional()
        .describe(
          "The account's tenant fence: outbound Windows Firewall rules whose local-user condition is this account (by SID); its other rules are removed.",
        ),
      folders: z
        .array(WINDOWS_PATH)
        .optional()
        .describe('Folders pvecdk keeps for this user (shortcuts, links), removed with the account.'),
      script: z.string().min(1).describe('Rendered idempotent PowerShell that converges the account.'),
    }),
  attributes: GUEST_ATTRIBUTES,
});

export const rdsShortcutType = definePlanType({
  type: 'pvecdk_rds_shortcut',
  typeName: 'RdsShortcut',
  // Files elsewhere are other files: the old ones are removed once the new ones are written.
  identity: identityOf('link_path', 'shortcut_path'),
  properties: (k) =>
    z.strictObject({
      target: guestTarget(k),
      user_name: z.string().min(1).describe('The RDS user.'),
      server_name: z.string().min(1).describe('The 4D server this shortcut opens.'),
      link_path: WINDOWS_PATH.describe('Where the `.4DLink` file goes on the RDS host.'),
      link_content: z.string().min(1).describe('The rendered `.4DLink`.'),
      shortcut_path: WINDOWS_PATH.describe('Where the `.lnk` shortcut goes.'),
      client_exe: WINDOWS_PATH.describe('The ShowGrounds client the shortcut starts.'),
      description: z.string().max(256).describe("The shortcut's description."),
      script: z.string().min(1).describe('Rendered idempotent PowerShell that writes both.'),
    }),
  attributes: GUEST_ATTRIBUTES,
});
