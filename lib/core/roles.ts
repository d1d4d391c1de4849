import type { IConstruct } from 'constructs';

/**
 * What a construct is for on the platform (`wan-bridge`, `rds-host`,
 * `customer-db`, ...), with a few attributes. Constructs set it; policies read
 * it from a resource or its nearest tagged ancestor. Keeps policies free of
 * any knowledge of construct classes.
 */
export interface RoleTag {
  /** What the construct is for, e.g. `rds-host`. */
  readonly role: string;
  /** Facts policies need about it, e.g. `{ address: '10.30.0.20' }`. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The construct that carries the tag. */
  readonly scope: IConstruct;
}

const tags = new WeakMap<IConstruct, { role: string; attributes: Record<string, string> }>();

export const Roles = {
  set(scope: IConstruct, role: string, attributes: Record<string, string> = {}): void {
    tags.set(scope, { role, attributes: { ...attributes } });
  },

  /** The role of `scope` or of its nearest ancestor that has one. */
  of(scope: IConstruct): RoleTag | undefined {
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      const tag = tags.get(c);
      if (tag) return { ...tag, scope: c };
    }
    return undefined;
  },
};
