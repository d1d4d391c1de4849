import { camelCase } from '../../../lib/contract/key-case.ts';
import type { PlanTypeDefinition } from '../../../lib/contract/plan-type.ts';
import { type SchemaKey, schemaKeys, shapeOf, unwrap } from '../../../lib/contract/schema-walk.ts';
import type { KeyHarness } from './harness.ts';

/**
 * The every-key coverage tables: for each plan type with a handler, how each
 * key of its contract is proven to be applied by the engine. A key is either
 * refused at synth (its contract's `notApplied`) or has exactly one entry here.
 */

/** Plan properties (snake_case), edited in place by the steps. */
// biome-ignore lint/suspicious/noExplicitAny: steps reach into nested plan blocks of every type.
export type Props = Record<string, any>;

/** A live object as the type's handler read it (`Observed.live`). */
export type Live = Readonly<Record<string, unknown>>;

/** The base resource sets the key, and the base check reads it back: identity and required keys. */
export interface BaseProof {
  readonly base: string;
}

/** Set the key on a deployed resource, deploy, and read what changed. */
export interface StepProof {
  /** The base resource the step changes. @default the first of the table's base resources */
  readonly on?: string;
  readonly set: (p: Props) => void;
  /** What the live object shows once the step deployed (it must also differ from before). */
  readonly expect: (live: Live, before: Live) => void;
  /** What the deploy does to the resource. @default 'update' */
  readonly action?: 'update' | 'replace';
}

/** A bespoke proof of engine behaviour that a live read cannot show (destroy modes, reboots, uploads). */
export interface CustomProof {
  readonly custom: CustomCheck;
}

export interface CustomCheck {
  /** What it proves, for the test name. */
  readonly name: string;
  run(h: KeyHarness): Promise<void>;
}

export type KeyProof = BaseProof | StepProof | CustomProof;

export interface TypeCoverage {
  readonly contract: PlanTypeDefinition;
  /** Where the table lives, for the failure message. */
  readonly file: string;
  /** Base resources by logical id, as plan properties; deployed first. */
  readonly base: Readonly<Record<string, Props>>;
  /** Reads back what the base deploy applied (the keys marked `base`). */
  readonly baseCheck: (h: KeyHarness) => Promise<void>;
  /** One entry per leaf key of the contract that is not refused. */
  readonly keys: Readonly<Record<string, KeyProof>>;
  /** Makes the emulated cluster hold what the base refers to (a bridge, a pool, an ISO), before anything deploys. */
  readonly setup?: (h: KeyHarness) => Promise<void>;
  /**
   * For the synth refusal of a not-applied key: changes to the base
   * properties the key needs to be set validly (e.g. another source block).
   */
  readonly refusalSetup?: Readonly<Record<string, (p: Props) => void>>;
}

export const isStep = (p: KeyProof): p is StepProof => 'set' in p;
export const isCustom = (p: KeyProof): p is CustomProof => 'custom' in p;
export const isBase = (p: KeyProof): p is BaseProof => 'base' in p;

/** A key that holds other keys: an object block or a list of them. Covered when its children are. */
export function isBlock(key: SchemaKey): boolean {
  if (key.shape.kind === 'object') return true;
  return key.shape.kind === 'array' && shapeOf(unwrap(key.shape.element).schema).kind === 'object';
}

/** `disk[].speed.read` → `disk`, `disk[].speed`: the keys a path sits in. */
export function ancestorsOf(path: string): string[] {
  const segments = path.split('.');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const prefix = segments.slice(0, i);
    const last = prefix[i - 1]!;
    out.push([...prefix.slice(0, -1), last.replace(/\[\]$/, '')].join('.'));
  }
  return out;
}

/** The not-applied entry that refuses a key (its own, or an ancestor's), if any. */
export function refusalOf(def: PlanTypeDefinition, path: string): string | undefined {
  return [path, ...ancestorsOf(path)].find((p) => p in def.notApplied);
}

/** What is wrong with a table against its contract: keys nobody proves, and entries that prove nothing real. */
export function coverageProblems(coverage: TypeCoverage): string[] {
  const def = coverage.contract;
  const keys = schemaKeys(def.plan);
  const byPath = new Map(keys.map((k) => [k.path, k]));
  const problems: string[] = [];
  for (const key of keys) {
    if (isBlock(key) || refusalOf(def, key.path) !== undefined) continue;
    if (!(key.path in coverage.keys))
      problems.push(
        `${key.path}: neither applied nor refused. Add a coverage entry in ${coverage.file} (set it on the base resource and say what the live object shows), or a notApplied entry with the reason in the ${def.type} contract (lib/contract/types), then npm run generate`,
      );
  }
  for (const path of Object.keys(coverage.keys)) {
    const key = byPath.get(path);
    if (!key)
      problems.push(
        `${path}: the table in ${coverage.file} names a key the ${def.type} contract does not have; remove or rename the entry`,
      );
    else if (isBlock(key))
      problems.push(
        `${path}: a block is covered by its keys; move the entry in ${coverage.file} to the keys inside it`,
      );
    else if (refusalOf(def, path) !== undefined)
      problems.push(
        `${path}: refused at synth (notApplied: ${refusalOf(def, path)}), yet the table in ${coverage.file} says it is applied; remove one of the two`,
      );
  }
  for (const [path, proof] of Object.entries(coverage.keys))
    if (isStep(proof) && proof.on !== undefined && !(proof.on in coverage.base))
      problems.push(
        `${path}: its step changes ${proof.on}, which is not a base resource of ${coverage.file}`,
      );
  return problems;
}

/** Plan properties in a construct's terms (camelCase), as a user writes them: data maps keep their keys. */
export function userProps(value: unknown, schema: SchemaKey['schema'] | undefined): unknown {
  if (Array.isArray(value)) {
    const shape = schema ? shapeOf(unwrap(schema).schema) : undefined;
    return value.map((v) => userProps(v, shape?.kind === 'array' ? shape.element : undefined));
  }
  if (value === null || typeof value !== 'object') return value;
  const shape = schema ? shapeOf(unwrap(schema).schema) : undefined;
  if (shape?.kind === 'reference') return userProps(value, shape.inner);
  if (shape?.kind === 'record' || shape?.kind === 'secret') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      camelCase(k),
      userProps(v, shape?.kind === 'object' ? shape.shape[k] : undefined),
    ]),
  );
}

/** Candidate values for a refused key, tried against the key's own schema: the first valid one is used. */
const CANDIDATES: readonly unknown[] = [
  true,
  1,
  5,
  16,
  100,
  '0-3',
  '0644',
  '15m',
  'local:import/disk.qcow2',
  'local:iso/disk.iso',
];

/** A valid value for `key`, or undefined when none of the candidates fits its schema. */
export function sampleValue(key: SchemaKey): unknown {
  const shape = key.shape;
  if (shape.kind === 'enum') return shape.values[0];
  if (shape.kind === 'literal') return shape.values[0];
  const schema = shape.kind === 'reference' ? shape.inner : key.schema;
  return CANDIDATES.find((c) => schema.safeParse(c).success);
}

/** Sets `value` at a key path in plan properties; a list segment sets it on the list's first item. */
export function setAt(props: Props, path: string, value: unknown): void {
  const segments = path.split('.');
  let node: Props = props;
  for (const [i, segment] of segments.entries()) {
    const list = segment.endsWith('[]');
    const name = list ? segment.slice(0, -2) : segment;
    if (i === segments.length - 1) {
      node[name] = value;
      return;
    }
    if (list) {
      node[name] ??= [{}];
      node = node[name][0];
    } else {
      node[name] ??= {};
      node = node[name];
    }
  }
}
