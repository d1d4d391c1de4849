import type { z } from 'zod';

/**
 * Compile-time tie between a construct's props interface and the zod schema
 * that validates it, so that one cannot gain, lose or retype a prop without
 * the other. Used next to each schema as
 *
 *   type _InStep = NoSchemaDrift<SchemaDrift<FooProps, typeof PropsSchema, 'cluster'>>;
 *
 * and tsc then names every disagreement, e.g.
 * `Type '"(props).servers[].vmId: only in the interface"' does not satisfy the constraint 'never'`.
 */

/**
 * Where `Props` and the input side of `Schema` disagree, as readable paths
 * (`(props).backup.keepDaily: types differ`), or `never` when they agree on
 * every key, nested objects and list elements included, and on each key's
 * type and optionality. `Unvalidated` keys (construct references such as
 * `cluster`, which the construct takes out before parsing) are not compared.
 */
export type SchemaDrift<Props, Schema extends z.ZodType, Unvalidated extends keyof Props = never> = Drift<
  Omit<Props, Unvalidated>,
  z.input<Schema>,
  '(props)'
>;

/** Compiles only when `D` is `never`; otherwise tsc's error prints the drift. */
export type NoSchemaDrift<D extends never> = D;

type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type AnyFunction = (...args: never[]) => unknown;

/** The members of a union that are plain values (strings, numbers, literals, undefined). */
type Scalars<T> = Exclude<T, object>;

/** The members of a union that are records (not lists, not functions). */
type Records<T> = Exclude<Extract<T, object>, readonly unknown[] | AnyFunction>;

type Lists<T> = Extract<T, readonly unknown[]>;

type ElementOf<L> = L extends readonly (infer E)[] ? E : never;

type Drift<P, I, Path extends string> =
  Identical<P, I> extends true
    ? never
    :
        | (MutuallyAssignable<Scalars<P>, Scalars<I>> extends true ? never : `${Path}: types differ`)
        | RecordDrift<Records<P>, Records<I>, Path>
        | ListDrift<Lists<P>, Lists<I>, Path>;

type RecordDrift<P, I, Path extends string> = [P] extends [never]
  ? [I] extends [never]
    ? never
    : `${Path}: an object in the schema only`
  : [I] extends [never]
    ? `${Path}: an object in the interface only`
    :
        | `${Path}.${Exclude<keyof P, keyof I> & string}: only in the interface`
        | `${Path}.${Exclude<keyof I, keyof P> & string}: only in the schema`
        // Not homomorphic: an optional key's type keeps its `undefined`, so optionality is compared too.
        | { [K in keyof P & keyof I & string]-?: Drift<P[K], I[K], `${Path}.${K}`> }[keyof P &
            keyof I &
            string];

type ListDrift<P, I, Path extends string> = [P] extends [never]
  ? [I] extends [never]
    ? never
    : `${Path}: a list in the schema only`
  : [I] extends [never]
    ? `${Path}: a list in the interface only`
    : Drift<ElementOf<P>, ElementOf<I>, `${Path}[]`>;
