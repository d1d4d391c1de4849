/** `vmId` → `vm_id`, `ipv4Address` → `ipv4_address`; already snake_case keys pass through. */
export function snakeCase(key: string): string {
  let known = snakeCases.get(key);
  if (known === undefined) {
    known = key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
      .toLowerCase();
    // Keys are the contract's property names, a few hundred: synthesizing 1,000 stacks converts each thousands of times.
    if (snakeCases.size < 10_000) snakeCases.set(key, known);
  }
  return known;
}

const snakeCases = new Map<string, string>();

/** `vm_id` → `vmId`. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
