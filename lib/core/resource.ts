import { Construct } from 'constructs';
import type { z } from 'zod';
import { snakeCase } from './case.ts';
import { Reference } from './reference.ts';
import { formatZodIssues } from './schema.ts';
import { SecretValue } from './secret.ts';
import { Stack } from './stack.ts';

const RESOURCE_SYMBOL = Symbol.for('pvecdk.Resource');

export interface ResourceProps {
  /** The plan type, e.g. `proxmox_virtual_environment_vm` or `pvecdk_vpn_user`. */
  readonly type: string;
  /** Properties as the user gave them (camelCase unless `propertyCase` says otherwise). */
  readonly properties: Record<string, unknown>;
  /** Validates `properties` at synth, after aspects ran. */
  readonly schema?: z.ZodType;
  /**
   * `snake` (default) turns camelCase keys into the plan's snake_case, as the
   * cdktf bindings do; `verbatim` keeps keys as given (free-form maps).
   */
  readonly propertyCase?: 'snake' | 'verbatim';
  /** Top-level properties whose nested keys are data (user-chosen names), kept as given. */
  readonly verbatimKeys?: readonly string[];
  /** Guest change wrapped in snapshot → apply → verify → rollback by the engine. */
  readonly critical?: boolean;
  /** How many pvecdk snapshots of the guest to keep after a critical change. */
  readonly snapshotRetention?: number;
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
  private readonly props: Record<string, unknown>;
  private readonly schema: z.ZodType | undefined;
  private readonly propertyCase: 'snake' | 'verbatim';
  private readonly verbatimKeys: ReadonlySet<string>;
  private readonly explicitDependencies = new Set<Resource>();
  private readonly overrides: Array<{ path: string[]; value: unknown }> = [];
  private logicalIdOverride: string | undefined;
  private criticalFlag: boolean;
  private retention: number | undefined;

  constructor(scope: Construct, id: string, props: ResourceProps) {
    super(scope, id);
    Object.defineProperty(this, RESOURCE_SYMBOL, { value: true });
    this.stack = Stack.of(this);
    this.resourceType = props.type;
    // cdktf configs carry `dependsOn` as a meta-argument next to the props.
    const { dependsOn, ...rest } = props.properties as { dependsOn?: unknown };
    this.props = rest;
    if (Array.isArray(dependsOn)) {
      for (const d of dependsOn) if (Resource.isResource(d)) this.addDependency(d);
    }
    this.schema = props.schema;
    this.propertyCase = props.propertyCase ?? 'snake';
    this.verbatimKeys = new Set(props.verbatimKeys ?? []);
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
  markCritical(options: { snapshotRetention?: number } = {}): void {
    this.criticalFlag = true;
    if (options.snapshotRetention !== undefined) this.retention = options.snapshotRetention;
  }

  /** A deploy-time reference to one of this resource's attributes (plan name, snake_case). */
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

  /** Problems with the props, as `field: message` lines; empty when valid. */
  validateProperties(): string[] {
    if (!this.schema) return [];
    const result = this.schema.safeParse(this.props);
    return result.success ? [] : formatZodIssues(result.error);
  }

  /** Properties in plan form (keys converted, overrides applied), tokens still unresolved. */
  synthesizeProperties(): Record<string, unknown> {
    const converted: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.props)) {
      if (this.propertyCase === 'verbatim') converted[key] = value;
      else converted[snakeCase(key)] = this.verbatimKeys.has(key) ? value : convertKeys(value);
    }
    const out = structuredCloneTokens(converted) as Record<string, unknown>;
    for (const { path, value } of this.overrides) applyOverride(out, path, value);
    return out;
  }
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
