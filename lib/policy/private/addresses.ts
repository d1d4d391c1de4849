/**
 * Just enough address logic for policies (which may import only core): is an
 * address or block inside another block? Values that are not literal
 * addresses (aliases, ipsets, references) are treated as unknown.
 */
function toNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function parseBlock(text: unknown): { network: number; prefix: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const [ip, len] = text.trim().split('/');
  const n = toNumber(ip ?? '');
  const prefix = len === undefined ? 32 : Number(len);
  if (n === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (n & mask) >>> 0, prefix };
}

/** `inner` (address or CIDR) lies within `outer` (CIDR). Unknown values → false. */
export function blockWithin(inner: unknown, outer: unknown): boolean {
  const a = parseBlock(inner);
  const b = parseBlock(outer);
  if (!a || !b || a.prefix < b.prefix) return false;
  const mask = b.prefix === 0 ? 0 : (0xffffffff << (32 - b.prefix)) >>> 0;
  return (a.network & mask) >>> 0 === b.network;
}

/** `0.0.0.0/0`, `any`, empty: a source that admits everyone. */
export function isAnySource(source: unknown): boolean {
  if (source === undefined || source === null) return true;
  const text = String(source).trim().toLowerCase();
  return text === '' || text === 'any' || text === '0.0.0.0/0';
}
