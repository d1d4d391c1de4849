import { z } from 'zod';
import { zRef } from '../core/schema.ts';

/** Shared zod pieces for the bpg/proxmox resource schemas. */
export const VM_ID = z.number().int().min(100).max(999_999_999);
export const vmIdRef = zRef(VM_ID);
export const nodeNameRef = zRef(
  z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, 'a Proxmox node name'),
);
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

/** The firewall scope selector: cluster (nothing set), node (`nodeName`), or VM (`nodeName` + `vmId`). */
export const firewallScope = {
  nodeName: nodeNameRef.optional(),
  vmId: vmIdRef.optional(),
  containerId: zRef(z.number().int().min(100)).optional(),
};
