import { SynthError } from '../../../core/errors.ts';
import { cidrSize, formatCidr, formatIpv4, type Ipv4Cidr, nthAddress } from './ipv4.ts';
import { stableHash, stableSlot } from './stable-hash.ts';

/** Proxmox's own OUI: the GUI gives new NICs addresses in BC:24:11. */
export const PROXMOX_OUI = 'BC:24:11';

/** A MAC in Proxmox's OUI derived from a seed (cluster + construct path): stable and unicast. */
export function macFromSeed(seed: string): string {
  const n = stableHash(`mac:${seed}`) & 0xffffff;
  const bytes = [(n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return `${PROXMOX_OUI}:${bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
}

export interface HostRange {
  /** First usable host number in the block (skips network, gateway and reserved low addresses). */
  readonly first: number;
  /** Last usable host number (before broadcast). */
  readonly last: number;
}

/** Usable host numbers of a block, keeping the lowest `reserved` addresses for gateways and routers. */
export function hostRange(cidr: Ipv4Cidr, reserved = 10): HostRange {
  const size = cidrSize(cidr);
  const first = Math.min(reserved, size - 2);
  return { first: Math.max(first, 1), last: size - 2 };
}

/** An address in `cidr` derived from `seed`, never in the reserved low range. */
export function addressFromSeed(cidr: Ipv4Cidr, seed: string, reserved = 10): string {
  const { first, last } = hostRange(cidr, reserved);
  if (last < first)
    throw new SynthError(
      'SYNTH_OUT_OF_RANGE',
      `${formatCidr(cidr)} is too small to allocate addresses from (the lowest ${reserved} are reserved)`,
      'use a larger block, or give the address explicitly',
    );
  return formatIpv4(nthAddress(cidr, first + stableSlot(`ip:${seed}`, last - first + 1)));
}

/** A VM id inside `[start, start + size)` derived from `seed`. */
export function vmIdFromSeed(start: number, size: number, seed: string): number {
  return start + stableSlot(`vmid:${seed}`, size);
}
