import { z } from 'zod';
import type { ContractKit } from '../plan-type.ts';

/** Value shapes several Proxmox types share. */
export const VM_ID = z.number().int().min(100).max(999_999_999);
export const NODE_NAME = z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, 'a Proxmox node name');
export const MAC = z
  .string()
  .regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, 'a MAC address such as BC:24:11:00:00:01');
export const DATASTORE = z.string().regex(/^[a-zA-Z][a-zA-Z0-9\-_.]*$/, 'a storage id such as local-lvm');
export const CIDR_OR_IP = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, 'an IPv4 address or CIDR');
export const DNS_NAME = z
  .string()
  .regex(
    /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/,
    'a DNS name (letters, digits, hyphens)',
  );
export const TAG = z
  .string()
  .regex(/^[a-zA-Z0-9_][a-zA-Z0-9_\-+.]*$/, 'a Proxmox tag (letters, digits, _ - + .)');
export const USER_ID = z.string().regex(/^[^\s:/@]+@[A-Za-z][A-Za-z0-9.-]*$/, 'name@realm, e.g. ops@pve');
/** A volume id: `<storage>:<content>/<name>` (the provider's check). */
export const VOLUME_ID = z
  .string()
  .regex(/^[a-z\d\-_.]+:([a-z\d\-_]+\/)?.+$/i, 'a volume id such as local:iso/debian.iso');
export const LOG_LEVEL = z.enum([
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
  'nolog',
]);

/** The firewall scope selector: cluster (nothing set), node (`node_name`), or VM (`node_name` + `vm_id`). */
export function firewallScope(k: ContractKit) {
  return {
    node_name: k
      .ref(NODE_NAME)
      .optional()
      .describe('The node; with `vm_id`, the node the VM runs on. Unset: the datacenter.'),
    vm_id: k
      .ref(VM_ID)
      .optional()
      .describe("A VM's firewall (with `node_name`). Unset: the node's or the datacenter's."),
    container_id: k
      .ref(z.number().int().min(100))
      .optional()
      .describe("A container's firewall (with `node_name`)."),
  };
}

/** Applies to every scope: containers are not managed by this engine. */
export const CONTAINER_NOT_APPLIED = {
  container_id:
    'containers (LXC) are not managed by pvecdk; use vm_id for a VM, or neither for the datacenter',
} as const;
