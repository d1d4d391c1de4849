import { z } from 'zod';
import { type PlanReference, PlanReferenceSchema, type PlanSecret, PlanSecretSchema } from './plan-values.ts';

/**
 * One plan resource type's contract: the snake_case properties a plan may
 * hold for it, read by synthesis (to validate what constructs produce) and by
 * the engine (to load plans and to give handlers typed properties), the
 * attributes the engine records once it is applied, and the keys the engine
 * does not apply yet, which synthesis refuses instead of letting them vanish.
 */

/** Builds the parts of a schema that differ between the plan form and the resolved form. */
export interface ContractKit {
  /** A value given literally or, in a plan, as a reference to another resource's attribute. */
  ref<T extends z.ZodType>(inner: T): z.ZodType<z.output<T> | PlanReference>;
  /** A secret: only ever a reference (`{"secret": "env:NAME"}`), in plans and after resolution alike. */
  secret(): z.ZodType<PlanSecret>;
}

/** A plan type's properties once every reference is replaced by its value (secrets stay references). */
export type Resolved<T> = T extends PlanReference
  ? never
  : T extends PlanSecret
    ? T
    : T extends readonly (infer E)[]
      ? Resolved<E>[]
      : T extends object
        ? { [K in keyof T]: Resolved<T[K]> }
        : T;

export type SlotKind = 'reference' | 'secret';

interface SlotInfo {
  readonly kind: SlotKind;
  /** For a reference: the schema of the literal value. */
  readonly inner?: z.ZodType;
}

const slots = new WeakMap<object, SlotInfo>();

/** Whether a schema (or the schema it was cloned from by `.describe()`/`.meta()`) is a reference or secret slot. */
export function slotOf(schema: z.ZodType): SlotInfo | undefined {
  for (let s: z.ZodType | undefined = schema; s; s = s._zod.parent as z.ZodType | undefined) {
    const info = slots.get(s);
    if (info) return info;
  }
  return undefined;
}

const planKit: ContractKit = {
  ref(inner) {
    // Not a union: a wrong literal reports the literal's own message, not "invalid input".
    const slot = z.unknown().transform((value, ctx) => {
      if (PlanReferenceSchema.safeParse(value).success) return value as PlanReference;
      const parsed = inner.safeParse(value);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
      return z.NEVER;
    });
    slots.set(slot, { kind: 'reference', inner });
    return slot as unknown as z.ZodType<z.output<typeof inner> | PlanReference>;
  },
  secret() {
    const slot = PlanSecretSchema.clone();
    slots.set(slot, { kind: 'secret' });
    return slot;
  },
};

const resolvedKit: ContractKit = {
  // After resolution a reference slot holds a literal: the literal's own schema checks it.
  ref: (inner) => inner as unknown as z.ZodType<z.output<typeof inner> | PlanReference>,
  secret: () => PlanSecretSchema,
};

export interface PlanTypeSpec<S extends z.ZodType> {
  /** The plan type, e.g. `proxmox_virtual_environment_vm`. */
  readonly type: string;
  /** The TypeScript name of the L1 construct's config (`VirtualEnvironmentVm` → `VirtualEnvironmentVmConfig`). */
  readonly typeName: string;
  readonly properties: (k: ContractKit) => S;
  /** Attributes the engine records after applying it, by plan name: what other resources may reference. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Plan key paths (`cpu.affinity`, `disk[].import_from`) the engine does not
   * apply yet, each with why: synthesis refuses a resource that sets one.
   */
  readonly notApplied?: Readonly<Record<string, string>>;
  /**
   * What names the live object, from the plan's properties (references as
   * they are written): another identity is another object, so the engine
   * deletes the one state recorded and makes the new one, instead of leaving
   * the old one behind (a pool renamed, a VM given another id).
   */
  readonly identity?: Identity;
}

/** The parts of a plan resource's properties that name its live object; compared as JSON. */
export type Identity = (properties: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>;

/** An identity made of these plan keys (dotted paths). */
export function identityOf(...keys: readonly string[]): Identity {
  return (properties) =>
    Object.fromEntries(
      keys.map((key) => [
        key,
        key
          .split('.')
          .reduce<unknown>((v, part) => (v as Record<string, unknown> | undefined)?.[part], properties),
      ]),
    );
}

export interface PlanTypeDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly typeName: string;
  /** Validates properties as a plan holds them: references where the type takes them. */
  readonly plan: S;
  /** Validates properties once references are resolved to values. */
  readonly resolved: z.ZodType<Resolved<z.output<S>>>;
  readonly attributes: Readonly<Record<string, string>>;
  readonly notApplied: Readonly<Record<string, string>>;
  readonly identity: Identity | undefined;
}

/**
 * The schemas are built on first use, not when the library loads: building all of them costs a
 * cold `pvecdk synth` tens of milliseconds, and synthesis never needs the resolved forms (the
 * engine does) nor the plan forms of the types a stack file does not use.
 */
export function definePlanType<S extends z.ZodType>(spec: PlanTypeSpec<S>): PlanTypeDefinition<S> {
  let plan: S | undefined;
  let resolved: z.ZodType<Resolved<z.output<S>>> | undefined;
  return {
    type: spec.type,
    typeName: spec.typeName,
    get plan() {
      plan ??= spec.properties(planKit);
      return plan;
    },
    get resolved() {
      resolved ??= spec.properties(resolvedKit) as unknown as z.ZodType<Resolved<z.output<S>>>;
      return resolved;
    },
    attributes: spec.attributes,
    notApplied: spec.notApplied ?? {},
    identity: spec.identity,
  };
}

/** The resolved properties of a definition, as handlers see them. */
export type PropertiesOf<D> = D extends PlanTypeDefinition<infer S> ? Resolved<z.output<S>> : never;
