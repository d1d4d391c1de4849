import { SynthError } from '../../../core/errors.ts';

/**
 * IPv4 addresses and CIDR blocks as plain numbers: enough arithmetic for
 * subnet plans, address allocation and overlap checks, with errors that name
 * the bad input. They know no construct: their SynthErrors are unscoped, and
 * the construct calling them rethrows them with its path (`inConstruct`).
 */
export interface Ipv4Cidr {
  /** The network address (host bits cleared). */
  readonly network: number;
  /** The prefix length, 0 to 32. */
  readonly prefix: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number {
  const m = OCTETS.exec(text.trim());
  if (!m) throw invalidAddress(`'${text}' is not an IPv4 address (expected a.b.c.d)`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255))
    throw invalidAddress(`'${text}' is not an IPv4 address (an octet is above 255)`);
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.20.0.0/16` → its network; refuses host bits, so a typo such as `10.20.1.0/16` is caught. */
export function parseCidr(text: string): Ipv4Cidr {
  const [addr, len, extra] = text.trim().split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) {
    throw invalidAddress(`'${text}' is not a CIDR block (expected a.b.c.d/n)`);
  }
  const prefix = Number(len);
  if (prefix > 32) throw invalidAddress(`'${text}': the prefix length must be 0..32`);
  const address = parseIpv4(addr);
  const network = (address & mask(prefix)) >>> 0;
  if (network !== address) {
    throw invalidAddress(
      `'${text}' has host bits set; the network is ${formatIpv4(network)}/${prefix}`,
      `write the network address, ${formatIpv4(network)}/${prefix}`,
    );
  }
  return { network, prefix };
}

/** `10.20.0.1/16`: an interface address with its prefix; host bits are expected. */
export function parseInterfaceAddress(text: string): { address: number; cidr: Ipv4Cidr } {
  const [addr, len] = text.trim().split('/');
  if (addr === undefined || len === undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32) {
    throw invalidAddress(`'${text}' is not an interface address (expected a.b.c.d/n)`);
  }
  const address = parseIpv4(addr);
  const prefix = Number(len);
  return { address, cidr: { network: (address & mask(prefix)) >>> 0, prefix } };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return (address & mask(cidr.prefix)) >>> 0 === cidr.network;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b.network) || cidrContains(b, a.network);
}

/** The `n`-th address of a block (0 is the network address). */
export function nthAddress(cidr: Ipv4Cidr, n: number): number {
  if (n < 0 || n >= cidrSize(cidr))
    throw new SynthError('SYNTH_OUT_OF_RANGE', `${formatCidr(cidr)} has no address number ${n}`);
  return (cidr.network + n) >>> 0;
}

/** Dotted netmask, as pfSense and Windows want it next to an address. */
export function netmask(prefix: number): string {
  return formatIpv4(mask(prefix));
}

function invalidAddress(
  message: string,
  hint = 'write an IPv4 address as a.b.c.d, a block as a.b.c.d/n',
): SynthError {
  return new SynthError('SYNTH_INVALID_ADDRESS', message, hint);
}
