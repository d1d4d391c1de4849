import { createHash } from 'node:crypto';

/**
 * A number derived from text only, never from order or time: identities
 * built from it (MACs, host numbers, VM id offsets) stay put when other
 * customers or servers are added or removed.
 */
export function stableHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** A stable value in `[0, size)` for `text`. */
export function stableSlot(text: string, size: number): number {
  return stableHash(text) % size;
}
