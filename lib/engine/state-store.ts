import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/private/atomic-file.ts';
import { EngineError } from './engine-errors.ts';
import { makePrivateDir } from './private-dir.ts';
import { readJsonQuietly } from './quiet-json.ts';

export const ResourceStateSchema = z.strictObject({
  type: z.string(),
  path: z.string(),
  /** What other resources reference: `vm_id`, `node_name`, `mac_addresses`... */
  attributes: z.record(z.string(), z.unknown()),
  /** The plan properties last applied; secrets stay `{secret: ...}` references. */
  properties: z.record(z.string(), z.unknown()),
  dependsOn: z.array(z.string()),
  /**
   * Objects this resource named before its identity changed (a pool's old
   * id): the new one is made first, these are deleted once nothing uses them.
   */
  retiring: z
    .array(
      z.strictObject({
        attributes: z.record(z.string(), z.unknown()),
        properties: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
});

export const GuestHostKeySchema = z.strictObject({
  fingerprint: z.string(),
  keyType: z.string(),
  creation: z.string().optional(),
  endpoint: z.string(),
  recordedAt: z.string(),
});

/** Where a stack is declared: the stack file that creates it and the file of its App, project-relative. */
export const StackOriginSchema = z.strictObject({ file: z.string().min(1), app: z.string().min(1) });
export type StackOrigin = z.infer<typeof StackOriginSchema>;

/** A use of another stack's resource, found in a deployed plan (see lib/engine/stack-uses.ts). */
export const StackUseSchema = z.strictObject({
  /** The stack whose resource is used. */
  stack: z.string(),
  /** What is used there: a resource's or construct's path (or its logical id when the path is unknown). */
  path: z.string(),
  /** The attribute a reference reads (`vm_id`); absent for a use by value. */
  attr: z.string().optional(),
  /** The using resource's path, in the stack that records the use. */
  by: z.string(),
  /** The using resource's plan type. */
  type: z.string(),
  /** The plan key of the using resource that holds the reference or value (`target.vm_id`). */
  property: z.string(),
});
export type StackUse = z.infer<typeof StackUseSchema>;

export const StackStateSchema = z.strictObject({
  version: z.literal(1),
  stack: z.string(),
  remote: z.string(),
  /** The file that deployed the stack: another file declaring a stack of the same name does not take it over. */
  origin: StackOriginSchema.optional(),
  /** Incremented on every write, so two copies can be ordered. */
  serial: z.number().int().nonnegative(),
  resources: z.record(z.string(), ResourceStateSchema),
  outputs: z.record(z.string(), z.unknown()),
  /**
   * Guest host keys trusted on first use, by `node/vmid` (or `jump/host:port`),
   * with the VM's creation identity: only that key is accepted afterwards.
   */
  guestHostKeys: z.record(z.string(), GuestHostKeySchema).optional(),
  /** What the deployed plan uses of other stacks (references and uses by value), as of the last deploy. */
  uses: z.array(StackUseSchema).optional(),
});

export type ResourceState = z.infer<typeof ResourceStateSchema>;
export type StackState = z.infer<typeof StackStateSchema>;

/**
 * Writes one complete state where it is kept, before the write resolves: the
 * local file (atomically) or a backend's row (see lib/engine/backends/).
 * `previous` is the state it replaces, whose serial a backend with optimistic
 * concurrency expects to find.
 */
export type PersistState = (next: StackState, previous: StackState) => void | Promise<void>;

/** A stack's state before its first write. */
export function emptyStackState(remote: string, stack: string): StackState {
  return { version: 1, stack, remote, serial: 0, resources: {}, outputs: {} };
}

/** Checks a stack's state read from a file or a backend; `where` names it in the error. */
export function parseStackState(value: unknown, where: string, what = 'state file'): StackState {
  const parsed = StackStateSchema.safeParse(value);
  if (!parsed.success) {
    // zod's messages name what was expected and the kind of value found, never the value.
    const lines = parsed.error.issues
      .slice(0, 5)
      .map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EngineError(
      'ENGINE_STATE_CORRUPT',
      `${where} is not a pvecdk ${what}:\n${lines.join('\n')}`,
      'restore it from a backup; do not edit state by hand',
    );
  }
  return parsed.data;
}

/** The local file of a stack's state. */
export function localStateFile(stateDir: string, remote: string, stack: string): string {
  return join(stateDir, 'state', remote, `${stack}.json`);
}

/** Writes a state as the local store does: atomically, mode 0600. */
export function writeLocalState(file: string, state: StackState): void {
  makePrivateDir(dirname(file));
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/**
 * The state of one stack on one remote, by default at
 * `<stateDir>/state/<remote>/<stack>.json` (a backend gives its own
 * persistence through `StateStore.of`). Every put/remove is written before it
 * resolves, one write at a time, so a deploy killed at any point leaves a
 * state that says exactly which actions completed.
 */
export class StateStore {
  static open(stateDir: string, remote: string, stack: string): StateStore {
    const file = localStateFile(stateDir, remote, stack);
    const read = readJsonQuietly(file);
    if (!read)
      return new StateStore(file, emptyStackState(remote, stack), (next) => writeLocalState(file, next));
    if (!read.ok)
      throw new EngineError(
        'ENGINE_STATE_CORRUPT',
        `${file} ${read.reason}`,
        'restore the file from a backup or version control; a deploy with lost state adopts its tagged resources',
      );
    return new StateStore(file, parseStackState(read.value, file), (next) => writeLocalState(file, next));
  }

  /** A store whose writes go through `persist` (a backend's row); `where` names it in messages. */
  static of(where: string, state: StackState, persist: PersistState): StateStore {
    return new StateStore(where, state, persist);
  }

  private chain: Promise<void> = Promise.resolve();

  private constructor(
    /** Where the state is kept: the local file, or the backend's name for the row. */
    readonly file: string,
    private current: StackState,
    private readonly persist: PersistState,
  ) {}

  get state(): Readonly<StackState> {
    return this.current;
  }

  put(id: string, entry: ResourceState): Promise<void> {
    return this.write((s) => ({
      ...s,
      resources: { ...s.resources, [id]: ResourceStateSchema.parse(entry) },
    }));
  }

  /** Records that a resource's retiring objects are gone. */
  retired(id: string): Promise<void> {
    return this.write((s) => {
      const entry = s.resources[id];
      if (!entry?.retiring) return s;
      const { retiring: _gone, ...rest } = entry;
      return { ...s, resources: { ...s.resources, [id]: rest } };
    });
  }

  remove(id: string): Promise<void> {
    return this.write((s) => {
      const { [id]: _gone, ...rest } = s.resources;
      return { ...s, resources: rest };
    });
  }

  /** Records where the stack is declared (the first deploy, or a deliberate take-over). */
  setOrigin(origin: StackOrigin): Promise<void> {
    return this.write((s) => ({ ...s, origin }));
  }

  /** Records what the deployed plan uses of other stacks; none is written as no entry. */
  setUses(uses: readonly StackUse[]): Promise<void> {
    return this.write((s) => {
      const { uses: _old, ...rest } = s;
      return uses.length ? { ...rest, uses: [...uses] } : rest;
    });
  }

  /** Records a guest's host key trusted on first use (see lib/engine/guest/host-key-trust.ts). */
  recordGuestHostKey(id: string, key: z.infer<typeof GuestHostKeySchema>): Promise<void> {
    return this.write((s) => ({
      ...s,
      guestHostKeys: { ...s.guestHostKeys, [id]: GuestHostKeySchema.parse(key) },
    }));
  }

  setOutputs(outputs: Record<string, unknown>): Promise<void> {
    return this.write((s) => ({ ...s, outputs }));
  }

  private write(change: (s: StackState) => StackState): Promise<void> {
    const next = this.chain.then(async () => {
      const previous = this.current;
      const updated = { ...change(previous), serial: previous.serial + 1 };
      try {
        await this.persist(updated, previous);
      } catch (e) {
        // Kept in a recovery file instead: the action did complete, so the next write builds on it.
        if (e instanceof EngineError && e.code === 'ENGINE_STATE_UNRECORDED') this.current = updated;
        throw e;
      }
      this.current = updated;
    });
    // A failed write is reported to its caller; later writes still run.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
