import { canonicalTags } from '../proxmox/vm-config.ts';
import type { Ownership } from './handler.ts';

/** Ownership tags: what a stack created carries them, so lost state can be adopted and destroy stays within its own. */
export function ownershipTags(stack: string): string[] {
  return ['pvecdk', `pvecdk-${stack.toLowerCase()}`];
}

/** Whether a tag is one of the engine's ownership tags (of any stack). */
export const isOwnershipTag = (tag: string): boolean => tag === 'pvecdk' || tag.startsWith('pvecdk-');

/** The description a clone carries until it is configured: marks a VM this stack began to create. */
export function creationMarker(stack: string, path: string): string {
  return `pvecdk: being created by stack ${stack} (${path})`;
}

/** Whose a VM is, from its tags (or, before it was tagged, its creation marker). */
export function vmOwnership(stack: string, path: string, live: Readonly<Record<string, unknown>>): Ownership {
  const tags = canonicalTags(String(live.tags ?? ''))
    .split(';')
    .filter(Boolean);
  if (ownershipTags(stack).every((t) => tags.includes(t))) return { kind: 'mine' };
  const other = tags.find((t) => t.startsWith('pvecdk-'));
  if (other) return { kind: 'other', stack: other.slice('pvecdk-'.length) };
  if (String(live.description ?? '').trim() === creationMarker(stack, path)) return { kind: 'unfinished' };
  return { kind: 'foreign' };
}

/** The resource path in a creation mark this stack wrote, if the description is one. */
export function markedPathOf(stack: string, description: unknown): string | undefined {
  const text = String(description ?? '').trim();
  const prefix = `pvecdk: being created by stack ${stack} (`;
  return text.startsWith(prefix) && text.endsWith(')') ? text.slice(prefix.length, -1) : undefined;
}
