import { createHash } from 'node:crypto';

const MAX_READABLE = 200;

/**
 * A logical id stable from a construct path relative to its stack: a readable
 * prefix made of the path's components plus eight hex digits of a hash of the
 * full path, so two paths that read alike (`a-b/c`, `ab/c`) still differ.
 * `Default` components are left out of the readable part, as in the CDK.
 */
export function logicalIdFromPath(components: readonly string[]): string {
  const readable = components
    .filter((c) => c !== 'Default')
    .map((c) => c.replace(/[^A-Za-z0-9]/g, ''))
    .map((c) => c.charAt(0).toUpperCase() + c.slice(1))
    .join('')
    .slice(0, MAX_READABLE);
  const hash = createHash('sha256').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  return `${readable || 'Resource'}${hash}`;
}
