import { Construct } from 'constructs';
import type { z } from 'zod';
import { camelCase, snakeCase } from '../contract/key-case.ts';
import { toPlanKeys, toUserPath, userKeyPath } from '../contract/plan-keys.ts';
import type { PlanTypeDefinition } from '../contract/plan-type.ts';
import { planTypeOf } from '../contract/registry.ts';
import { valuesAt } from '../contract/schema-walk.ts';
import { closestKey } from './private/closest-name.ts';
import { recordCreation, TRACE_DEPTH } from './private/creation-trace.ts';
import { knownKeysAt } from './private/schema-keys.ts';
import { shownAfterField, valueAt } from './private/shown-value.ts';
import { Reference } from './reference.ts';
import { SecretValue } from './secret.ts';
import { Stack } from './stack.ts';

const RESOURCE_SYMBOL = Symbol.for('pvecdk.Resource');

export interface ResourceProps {
  /**
   * The plan type, e.g. `proxmox_virtual_environment_vm` or `pvecdk_vpn_user`:
   * its contract (lib/contract) says which properties it takes and checks them at synth.
   */
  readonly type: string;
  /** Properties as the user gave them: camelCase, as the cdktf bindings name them. */
  readonly properties: Record<string, unknown>;
  /**
   * The contract of a type pvecdk does not define itself (an extension's own
   * type, made with `definePlanType`).
   * @default the contract of `type` in pvecdk's plan types
   */
  readonly contract?: PlanTypeDefinition;
  /**
   * Guest change wrapped in snapshot → apply → verify → rollback by the engine.
   * @default false
   */
  readonly critical?: boolean;
  /**
   * How many pvecdk snapshots of the guest to keep after a critical change.
   * @default the engine's retention (5)
   */
  readonly snapshotRetention?: number;
}

/** A problem with a resource's props, in the user's (camelCase) terms. */
export interface PropertyIssue {
  /** What is wrong, starting with the prop (`cpu.cores: ...`). */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

/**
 * An L1 resource: one entry of the plan. Subclasses (lib/resources) give it a
 * type, typed props and a schema; L2/L3 constructs compose them.
 */
export class Resource extends Construct {
  static isResource(x: unknown): x is Resource {
    return typeof x === 'object' && x !== null && RESOURCE_SYMBOL in x;
  }

  readonly resourceType: string;
  readonly stack: Stack;
  /** The plan type's contract; undefined for a type pvecdk does not know, which synthesis refuses. */
  readonly contract: PlanTypeDefinition | undefined;
  private readonly props: Record<string, unknown>;
  private readonly explicitDependencies = new Set<Resource>();
  private readonly overrides: Array<{ path: string[]; value: unknown }> = [];
  private logicalIdOverride: string | undefined;
  private criticalFlag: boolean;
  private retention: number | undefined;

  constructor(scope: Construct, id: string, props: ResourceProps) {
    super(scope, id);
    Object.defineProperty(this, RESOURCE_SYMBOL, { value: true });
    recordCreation(this, TRACE_DEPTH.shallow);
    this.stack = Stack.of(this);
    this.resourceType = props.type;
    // cdktf configs carry `dependsOn` as a meta-argument next to the props.
    const { dependsOn, ...rest } = props.properties as { dependsOn?: unknown };
    this.props = rest;
    if (Array.isArray(dependsOn)) {
      for (const d of dependsOn) if (Resource.isResource(d)) this.addDependency(d);
    }
    this.contract = props.contract ?? planTypeOf(props.type);
    this.criticalFlag = props.critical ?? false;
    this.retention = props.snapshotRetention;
  }

  /** The id of this resource in its stack's plan. */
  get logicalId(): string {
    return this.logicalIdOverride ?? this.stack.allocateLogicalId(this);
  }

  /** Pin the logical id, e.g. to keep state when a construct moves in the tree. */
  overrideLogicalId(id: string): void {
    this.logicalIdOverride = id;
  }

  get isCritical(): boolean {
    return this.criticalFlag;
  }

  get snapshotRetention(): number | undefined {
    return this.retention;
  }

  /** Mark this resource as a critical guest change (snapshot before, rollback on failure). */
  markCritical(
    options: {
      /**
       * Snapshots of the guest to keep after a critical change.
       * @default the retention already set, else the engine's (5)
       */
      snapshotRetention?: number;
    } = {},
  ): void {
    this.criticalFlag = true;
    if (options.snapshotRetention !== undefined) this.retention = options.snapshotRetention;
  }

  /**
   * A deploy-time reference to one of this resource's attributes (plan name,
   * snake_case), among those its contract says the engine records.
   */
  attr(name: string): Reference {
    return new Reference(this, name);
  }

  /** This resource is created after `others` and destroyed before them. */
  addDependency(...others: Resource[]): void {
    for (const o of others) {
      if (o !== this) this.explicitDependencies.add(o);
    }
  }

  get dependencies(): readonly Resource[] {
    return [...this.explicitDependencies];
  }

  /**
   * Set a plan property by its snake_case dot path after conversion, as an escape
   * hatch for attributes the typed props do not cover; `undefined` removes it.
   */
  addPropertyOverride(path: string, value: unknown): void {
    this.overrides.push({ path: path.split('.'), value });
  }

  /**
   * Replace one top-level prop (camelCase, as given), e.g. when a construct
   * renders content from everything added to it, in a mutating aspect just
   * before synthesis. Validation runs on the result.
   */
  protected setProperty(name: string, value: unknown): void {
    if (value === undefined) delete this.props[name];
    else this.props[name] = value;
  }

  /** The props as given, for aspects and tests. */
  get properties(): Readonly<Record<string, unknown>> {
    return this.props;
  }

  /**
   * Problems with the props, checked against the type's contract in plan
   * form (after overrides): wrong values, unknown keys, keys the engine does
   * not apply yet, and references to attributes their target never records.
   */
  validateProperties(): PropertyIssue[] {
    const contract = this.contract;
    if (!contract)
      return [
        {
          message: `${this.resourceType} is not a plan type pvecdk knows, so the engine could never apply it`,
          hint: 'use one of the L1 resources of pvecdk (lib/resources)',
        },
      ];
    const issues: PropertyIssue[] = [];
    const planForm = this.synthesizeProperties();
    const input = withTokensAsJson(planForm);
    const parsed = contract.plan.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          issues.push(...unknownKeyIssues(issue.keys, issue.path, contract.plan));
          continue;
        }
        const field = issue.path.length ? toUserPath(issue.path, contract.plan) : '(props)';
        const shown = shownAfterField(issue.path, valueAt(input, issue.path), issue.message);
        issues.push({
          message: `${field}${shown}: ${issue.message}`,
          hint: 'fix the props passed to this construct',
        });
      }
    }
    for (const [path, why] of Object.entries(contract.notApplied)) {
      if (valuesAt(planForm, path).length === 0) continue;
      issues.push({
        message: `not supported by the engine yet: ${userKeyPath(path)}`,
        hint: `${why}`,
      });
    }
    for (const ref of referencesIn(planForm)) {
      const target = ref.target;
      const provides = target.contract?.attributes;
      if (provides && !(ref.attr in provides))
        issues.push({
          message: `refers to ${target.node.path}.${ref.attr}, which the engine does not record for ${target.resourceType}`,
          hint: `refer to one of: ${Object.keys(provides).sort().join(', ') || '(none)'}`,
        });
    }
    return issues;
  }

  /** Properties in plan form (keys converted, overrides applied), tokens still unresolved. */
  synthesizeProperties(): Record<string, unknown> {
    const converted = this.contract
      ? (toPlanKeys(this.props, this.contract.plan) as Record<string, unknown>)
      : (convertKeys(this.props) as Record<string, unknown>);
    const out = structuredCloneTokens(converted) as Record<string, unknown>;
    for (const { path, value } of this.overrides) applyOverride(out, path, value);
    return out;
  }
}

/** Plan JSON stand-ins for tokens, so the contract checks a value where a reference or secret stands. */
function withTokensAsJson(value: unknown): unknown {
  if (Reference.isReference(value)) return { ref: 'Resource', attr: value.attr };
  if (SecretValue.isSecretValue(value)) return value.toJSON();
  if (Array.isArray(value)) return value.map(withTokensAsJson);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withTokensAsJson(v);
    return out;
  }
  return value;
}

function referencesIn(value: unknown): Reference[] {
  if (Reference.isReference(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (isPlainObject(value)) return Object.values(value).flatMap(referencesIn);
  return [];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function convertKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convertKeys);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[snakeCase(k)] = convertKeys(v);
    return out;
  }
  return value;
}

/** A deep copy of plain data that keeps tokens (references, secrets) as they are. */
function structuredCloneTokens(value: unknown): unknown {
  if (Reference.isReference(value) || SecretValue.isSecretValue(value)) return value;
  if (Array.isArray(value)) return value.map(structuredCloneTokens);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = structuredCloneTokens(v);
    return out;
  }
  return value;
}

function applyOverride(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** Props the type does not take, each with the closest one it does take (in the user's camelCase). */
function unknownKeyIssues(
  keys: readonly string[],
  path: readonly PropertyKey[],
  plan: z.ZodType,
): PropertyIssue[] {
  const known = knownKeysAt(plan, path).map(camelCase).sort();
  const prefix = path.length ? `${toUserPath(path, plan)}.` : '';
  return keys.map((key) => {
    const name = camelCase(key);
    const close = closestKey(name, known);
    return close
      ? { message: `${prefix}${name}: no such prop; did you mean ${close}?`, hint: `write ${close}` }
      : { message: `${prefix}${name}: no such prop (known: ${known.join(', ')})`, hint: `remove ${name}` };
  });
}
