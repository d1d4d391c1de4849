import type { IConstruct } from 'constructs';
import { Annotations } from '../../../core/annotations.ts';
import { ConstructError } from '../../../core/errors.ts';
import { Stack } from '../../../core/stack.ts';
import type { IdentityEntry, IdentityKind, IdentitySection } from '../../identity/identity-file.ts';

export type { IdentityKind } from '../../identity/identity-file.ts';

/** A pool values are drawn from: the numbers `first..last`, each turned into a value by `format`. */
export interface IdentityPool<V extends string | number> {
  readonly first: number;
  readonly last: number;
  readonly format: (n: number) => V;
  /** The number of a value, or undefined when it is not of this pool. */
  readonly parse: (value: string | number) => number | undefined;
  /** What the pool is, for the message when it is full (`VM ids of customer acme's block 1100-1199`). */
  readonly describe: string;
  /** The prop that widens it (`the cluster's customerVmIds.blockSize`). */
  readonly widenedBy: string;
  /**
   * Pools of one sort there is one of per customer (`customer VM id blocks`):
   * `pvecdk ls` shows the fullest of the group rather than each.
   */
  readonly group?: string;
}

/** How full a pool is, for `pvecdk ls`. */
export interface PoolUsage {
  readonly kind: IdentityKind;
  readonly describe: string;
  readonly group: string | undefined;
  readonly used: number;
  readonly size: number;
  readonly widenedBy: string;
}

interface Claim {
  readonly owner: IConstruct;
  readonly key: string;
}

const valueKey = (kind: IdentityKind, value: string | number) => `${kind}=${String(value).toLowerCase()}`;

/**
 * Every VM id, MAC, address, name and customer number the tree assigns is
 * claimed here, together with what the identity record (pvecdk.identities.json)
 * says earlier runs handed out. A value once recorded for a holder stays its
 * value; a new holder gets a value nobody holds, in this tree or in the record
 * (customers of other stack files included). Two holders of one value are a
 * synth error on both, naming the other and where it is declared.
 */
export class IdentityRegistry {
  private readonly claims = new Map<string, Claim>();
  /** Every pool values were drawn from or counted in, by kind and description. */
  private readonly pools = new Map<string, { kind: IdentityKind; pool: IdentityPool<string | number> }>();
  /** What each key claimed in this tree, by kind. */
  private readonly claimed = new Map<IdentityKind, Map<string, { value: string | number; stack: string }>>();
  private readonly recorded: IdentitySection;
  /** Recorded values by `kind=value`, to the key that holds them. */
  private readonly recordedHolders = new Map<string, string>();

  constructor(recorded?: IdentitySection) {
    this.recorded = recorded ?? { stacks: {}, identities: {} };
    for (const [kind, entries] of Object.entries(this.recorded.identities) as [
      IdentityKind,
      Record<string, IdentityEntry>,
    ][]) {
      for (const [key, entry] of Object.entries(entries))
        this.recordedHolders.set(valueKey(kind, entry.value), key);
    }
  }

  /** The value the record holds for `key`, if any. */
  recordedValue(kind: IdentityKind, key: string): string | number | undefined {
    return this.recorded.identities[kind]?.[key]?.value;
  }

  /**
   * A value for `owner` from `pool`: what the record holds for it when that is
   * still in the pool, else the first free value from the one `seed` picks
   * (a hash of the name, so a fresh project gets the same values each run),
   * skipping what this tree or the record holds. Throws SYNTH_POOL_EXHAUSTED,
   * saying how full the pool is and what widens it, when nothing is free.
   */
  allocate<V extends string | number>(
    kind: IdentityKind,
    owner: IConstruct,
    pool: IdentityPool<V>,
    seed: number,
    keySuffix = '',
  ): V {
    const key = owner.node.path + keySuffix;
    this.track(kind, pool);
    const size = pool.last - pool.first + 1;
    const kept = this.recordedValue(kind, key);
    const keptN = kept === undefined ? undefined : pool.parse(kept);
    // A recorded value outside the pool (the pool was moved) is given up for a new one.
    if (keptN !== undefined && keptN >= pool.first && keptN <= pool.last) {
      const v = pool.format(keptN);
      this.claim(kind, v, owner, keySuffix);
      return v;
    }
    const start = ((seed % size) + size) % size;
    for (let i = 0; i < size; i++) {
      const v = pool.format(pool.first + ((start + i) % size));
      if (this.isFree(kind, v, key)) {
        this.claim(kind, v, owner, keySuffix);
        return v;
      }
    }
    throw new ConstructError(
      owner,
      'SYNTH_POOL_EXHAUSTED',
      `no free ${kind.replace('_', ' ')} left: all ${size} ${pool.describe} are taken`,
      `widen it (${pool.widenedBy}), or remove what no longer runs and synthesize again`,
    );
  }

  private isFree(kind: IdentityKind, value: string | number, key: string): boolean {
    const k = valueKey(kind, value);
    if (this.claims.has(k)) return false;
    const holder = this.recordedHolders.get(k);
    return holder === undefined || holder === key;
  }

  /**
   * `owner` holds `value` (allocated, or given explicitly in the stack file).
   * Another construct of this tree holding it is an error on both; a holder in
   * the record from a stack not loaded in this run is an error naming its file.
   */
  claim(kind: IdentityKind, value: string | number, owner: IConstruct, keySuffix = ''): void {
    const key = owner.node.path + keySuffix;
    const vk = valueKey(kind, value);
    const holder = this.claims.get(vk);
    // The holder itself, or a construct inside it (a VM's Guest claims the id its customer allocated).
    if (holder !== undefined && (holder.key === key || key.startsWith(`${holder.key}/`))) return;
    if (holder === undefined) {
      this.claims.set(vk, { owner, key });
      const byKey = this.claimed.get(kind) ?? new Map();
      this.claimed.set(kind, byKey);
      byKey.set(key, { value, stack: Stack.of(owner).stackName });
      this.checkRecorded(kind, value, owner, key);
      return;
    }
    const hint = `give one of them another ${kind.replace('_', ' ')} explicitly`;
    Annotations.of(owner).addError(`${kind} ${value} is also claimed by ${holder.owner.node.path}`, {
      hint,
      rule: 'PVECDK-IDENTITY-COLLISION',
      code: 'SYNTH_CONFLICT',
    });
    Annotations.of(holder.owner).addError(`${kind} ${value} is also claimed by ${owner.node.path}`, {
      hint,
      rule: 'PVECDK-IDENTITY-COLLISION',
      code: 'SYNTH_CONFLICT',
    });
  }

  /** Counts `pool` in `usage()` though nothing is allocated from it (customer numbers against VM id blocks). */
  track<V extends string | number>(kind: IdentityKind, pool: IdentityPool<V>): void {
    this.pools.set(`${kind} ${pool.describe}`, { kind, pool });
  }

  /**
   * How full each pool is: values this tree holds and the record keeps for
   * stacks not loaded, inside the pool's range.
   */
  usage(): PoolUsage[] {
    const held = new Map<IdentityKind, Set<string>>();
    const add = (kind: IdentityKind, value: string | number) => {
      const set = held.get(kind) ?? new Set<string>();
      held.set(kind, set);
      set.add(String(value).toLowerCase());
    };
    for (const [kind, byKey] of this.claimed) for (const e of byKey.values()) add(kind, e.value);
    for (const [kind, entries] of Object.entries(this.recorded.identities) as [
      IdentityKind,
      Record<string, IdentityEntry>,
    ][])
      for (const e of Object.values(entries)) add(kind, e.value);
    return [...this.pools.values()].map(({ kind, pool }) => {
      let used = 0;
      for (const v of held.get(kind) ?? []) {
        const n = pool.parse(/^\d+$/.test(v) ? Number(v) : v.toUpperCase());
        if (n !== undefined && n >= pool.first && n <= pool.last) used++;
      }
      return {
        kind,
        describe: pool.describe,
        group: pool.group,
        used,
        size: pool.last - pool.first + 1,
        widenedBy: pool.widenedBy,
      };
    });
  }

  /**
   * Who the record says holds `value` and where that is declared: for a name
   * this run does not know, the stack file the user forgot to import.
   */
  recordedDeclaration(
    kind: IdentityKind,
    value: string | number,
  ): { holder: string; stack: string; file: string | undefined } | undefined {
    const holder = this.recordedHolders.get(valueKey(kind, value));
    const entry = holder === undefined ? undefined : this.recorded.identities[kind]?.[holder];
    if (holder === undefined || !entry) return undefined;
    return { holder, stack: entry.stack, file: this.recorded.stacks[entry.stack] };
  }

  /** Who holds a value in this tree, if anyone. */
  holderOf(kind: IdentityKind, value: string | number): IConstruct | undefined {
    return this.claims.get(valueKey(kind, value))?.owner;
  }

  private checkRecorded(kind: IdentityKind, value: string | number, owner: IConstruct, key: string): void {
    const holderKey = this.recordedHolders.get(valueKey(kind, value));
    if (holderKey === undefined || holderKey === key) return;
    const entry = this.recorded.identities[kind]?.[holderKey];
    if (!entry) return;
    // A stack of this run that no longer claims the value has let it go; only
    // stacks this run did not load still hold theirs.
    if (this.isLoadedStack(owner, entry.stack)) return;
    const file = this.recorded.stacks[entry.stack] ?? `the stack ${entry.stack}`;
    Annotations.of(owner).addError(
      `${kind} ${value} is already held by ${holderKey} (stack ${entry.stack}, declared in ${file})`,
      {
        hint: `give ${owner.node.path} another ${kind.replace('_', ' ')}, or change it in ${file}; pvecdk.identities.json records who holds what`,
        rule: 'PVECDK-IDENTITY-COLLISION',
        code: 'SYNTH_CONFLICT',
      },
    );
  }

  private isLoadedStack(owner: IConstruct, stackName: string): boolean {
    return owner.node.root.node.findAll().some((c) => Stack.isStack(c) && c.stackName === stackName);
  }

  /**
   * The record after this run: every stack of this tree with exactly what it
   * claimed (what it no longer declares is let go), every other recorded stack
   * as it was. `loaded` names the stacks of the tree and their files.
   */
  section(loaded: ReadonlyMap<string, string>): IdentitySection {
    const stacks: Record<string, string> = {};
    const identities: Partial<Record<IdentityKind, Record<string, IdentityEntry>>> = {};
    const put = (kind: IdentityKind, key: string, entry: IdentityEntry) => {
      identities[kind] ??= {};
      identities[kind][key] = entry;
    };
    for (const [kind, entries] of Object.entries(this.recorded.identities) as [
      IdentityKind,
      Record<string, IdentityEntry>,
    ][]) {
      for (const [key, entry] of Object.entries(entries)) if (!loaded.has(entry.stack)) put(kind, key, entry);
    }
    for (const [name, file] of Object.entries(this.recorded.stacks))
      if (!loaded.has(name)) stacks[name] = file;
    for (const [kind, byKey] of this.claimed) {
      for (const [key, entry] of byKey) if (loaded.has(entry.stack)) put(kind, key, entry);
    }
    for (const [name, file] of loaded) {
      const holds = Object.values(identities).some((e) => Object.values(e).some((x) => x.stack === name));
      if (holds) stacks[name] = file;
    }
    return { stacks, identities };
  }
}
