import { z } from 'zod';
import { definePlanType, identityOf } from '../plan-type.ts';
import { CIDR_OR_IP, NODE_NAME } from './common.ts';

/** `proxmox_virtual_environment_network_linux_bridge`: a Linux bridge on one node (staged, then applied). */
export const linuxBridgeType = definePlanType({
  type: 'proxmox_virtual_environment_network_linux_bridge',
  typeName: 'VirtualEnvironmentNetworkLinuxBridge',
  properties: (k) =>
    z
      .strictObject({
        node_name: k.ref(NODE_NAME).describe('The node the bridge is on.'),
        name: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]{0,9}$/, 'letters, digits and _, at most 10 characters (vmbrN)')
          .describe('`vmbrN`: letters, digits and _, at most 10 characters.'),
        address: k
          .ref(
            z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an address with prefix, e.g. 10.0.0.2/24'),
          )
          .optional()
          .describe("The node's IPv4 address on the bridge, with prefix."),
        address6: z
          .string()
          .regex(/^[0-9a-fA-F:]+\/\d{1,3}$/, 'an IPv6 address with prefix, e.g. fd00::2/64')
          .optional()
          .describe("The node's IPv6 address on the bridge, with prefix."),
        gateway: k.ref(CIDR_OR_IP).optional().describe('IPv4 default gateway.'),
        gateway6: z
          .string()
          .regex(/^[0-9a-fA-F:]+$/, 'an IPv6 address')
          .optional()
          .describe('IPv6 default gateway.'),
        autostart: z
          .boolean()
          .optional()
          .meta({ description: 'Bring the bridge up at boot.', default: 'true' }),
        comment: z.string().optional().describe('A comment.'),
        mtu: z.number().int().min(576).max(65_520).optional().describe('MTU.'),
        ports: z
          .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,15}$/, 'an interface name such as eno1'))
          .optional()
          .meta({ description: 'Member interfaces, e.g. `["eno1"]`.', default: 'none' }),
        vlan_aware: z.boolean().optional().meta({ description: 'VLAN aware.', default: 'false' }),
        vids: z
          .string()
          .regex(/^\d+(-\d+)?( \d+(-\d+)?)*$/, 'VLAN ids or ranges separated by spaces')
          .optional()
          .meta({
            description: 'VLANs a VLAN-aware bridge carries, `2-4094` or `1 10-20`.',
            default: "Proxmox's: 2-4094",
          }),
        timeout_reload: z
          .number()
          .int()
          .min(5)
          .optional()
          .describe('Seconds to wait for the network reload.'),
      })
      .refine((b) => !b.vids || b.vlan_aware, {
        message: 'needs a VLAN-aware bridge (vlanAware: true)',
        path: ['vids'],
      }),
  identity: identityOf('node_name', 'name'),
  attributes: { name: 'The bridge name.', node_name: 'The node.' },
  notApplied: {
    timeout_reload:
      'the engine waits for the node network reload as long as the Proxmox task runs; remove it',
  },
});
