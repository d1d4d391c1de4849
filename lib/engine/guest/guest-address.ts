import type { PlanSecret } from '../../contract/plan-values.ts';
import type { GuestAddress } from './guest-transport.ts';

/** A resource's `target` block as the contract parses it: the key is still a `{secret}` reference. */
export interface PlanGuestTarget {
  readonly vm_id: number;
  readonly node_name: string;
  readonly host: string;
  readonly port?: number | undefined;
  readonly username: string;
  readonly dialect: GuestAddress['dialect'];
  readonly private_key: PlanSecret | string;
  readonly host_key_sha256?: string | undefined;
  readonly jump_host?: string | undefined;
}

/** The GuestAddress of a resource's `target` block: what handlers pass to `ctx.guests.session`. */
export function guestAddressOf(target: PlanGuestTarget): GuestAddress {
  return {
    vm_id: target.vm_id,
    node_name: target.node_name,
    host: target.host,
    ...(target.port !== undefined ? { port: target.port } : {}),
    username: target.username,
    dialect: target.dialect,
    private_key: typeof target.private_key === 'string' ? target.private_key : target.private_key.secret,
    ...(target.host_key_sha256 !== undefined ? { host_key_sha256: target.host_key_sha256 } : {}),
    ...(target.jump_host !== undefined ? { jump_host: target.jump_host } : {}),
  };
}

/** `VM 101 on pve1`: how messages name the guest. */
export function describeGuestVm(address: Pick<GuestAddress, 'vm_id' | 'node_name'>): string {
  return `VM ${address.vm_id} on ${address.node_name}`;
}
