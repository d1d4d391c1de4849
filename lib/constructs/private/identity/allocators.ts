import { SynthError } from '../../../core/errors.ts';
import type { IdentityPool } from './identity-registry.ts';
import {
  cidrContains,
  cidrSize,
  formatCidr,
  formatIpv4,
  type Ipv4Cidr,
  nthAddress,
  parseIpv4,
} from './ipv4.ts';
import { stableHash } from './stable-hash.ts';

/** Proxmox's own OUI: the GUI gives new NICs addresses in BC:24:11. */
export const PROXMOX_OUI = 'BC:24:11';

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

/** The whole numbers `first..last`, for what is counted rather than allocated (customer numbers). */
export function numberPool(
  first: number,
  last: number,
): Pick<IdentityPool<number>, 'first' | 'last' | 'format' | 'parse'> {
  return {
    first,
    last,
    format: (n) => n,
    parse: (v) => (typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : undefined),
  };
}

/** VM ids `start..start+size-1`. */
export function vmIdPool(
  start: number,
  size: number,
  describe: string,
  widenedBy: string,
): IdentityPool<number> {
  return { ...numberPool(start, start + size - 1), describe, widenedBy };
}

/** Host addresses of `cidr`, the lowest `reserved` kept for gateways and routers. */
export function addressPool(
  cidr: Ipv4Cidr,
  describe: string,
  widenedBy: string,
  reserved = 10,
): IdentityPool<string> {
  const { first, last } = hostRange(cidr, reserved);
  if (last < first)
    throw new SynthError(
      'SYNTH_OUT_OF_RANGE',
      `${formatCidr(cidr)} is too small to allocate addresses from (the lowest ${reserved} are reserved)`,
      'use a larger block, or give the address explicitly',
    );
  return {
    first,
    last,
    format: (n) => formatIpv4(nthAddress(cidr, n)),
    parse: (v) => {
      if (typeof v !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return undefined;
      const a = parseIpv4(v);
      return cidrContains(cidr, a) ? a - cidr.network : undefined;
    },
    describe: `${describe} in ${formatCidr(cidr)}`,
    widenedBy,
  };
}

/** MACs in Proxmox's OUI (BC:24:11:00:00:00 to BC:24:11:FF:FF:FF). */
export const MAC_POOL: IdentityPool<string> = {
  first: 0,
  last: 0xffffff,
  format: (n) =>
    `${PROXMOX_OUI}:${[(n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
  parse: (v) => {
    const m = typeof v === 'string' ? /^BC:24:11:([0-9A-F]{2}):([0-9A-F]{2}):([0-9A-F]{2})$/i.exec(v) : null;
    return m ? Number.parseInt(`${m[1]}${m[2]}${m[3]}`, 16) : undefined;
  },
  describe: "MAC addresses in Proxmox's BC:24:11 range",
  widenedBy: 'give the NIC a macAddress explicitly',
};

/** The hash the first choice of a pool is taken from. */
export const seedOf = (text: string): number => stableHash(text);
