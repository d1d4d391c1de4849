import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { acquireDeployLock, type HeldLock, lockHolders } from '../deploy-lock.ts';
import { EngineError } from '../engine-errors.ts';
import { makePrivateDir } from '../private-dir.ts';
import { readJsonQuietly } from '../quiet-json.ts';
import {
  localStateFile,
  parseStackState,
  type StackState,
  StateStore,
  writeLocalState,
} from '../state-store.ts';
import { HistoryEntrySchema } from './history.ts';
import type { BackendLock, HistoryEntry, ImportOutcome, StateBackend, StoredStack } from './state-backend.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Today's files under a state folder: `state/<remote>/<stack>.json`, `.lock`, `.history.jsonl`. */
export class LocalBackend implements StateBackend {
  readonly kind = 'local' as const;

  constructor(readonly stateDir: string) {}

  get where(): string {
    return this.stateDir;
  }

  async open(remote: string, stack: string): Promise<StateStore> {
    return StateStore.open(this.stateDir, remote, stack);
  }

  async acquireLock(
    remote: string,
    stack: string,
    command: string,
    options: Parameters<StateBackend['acquireLock']>[3],
  ): Promise<BackendLock> {
    const { wait, ...rest } = options;
    const held = wait
      ? await acquireDeployLock(this.stateDir, remote, stack, command, { ...rest, wait })
      : acquireDeployLock(this.stateDir, remote, stack, command, rest);
    return asBackendLock(held);
  }

  async lockHolders(remote: string, stack: string) {
    return lockHolders(this.stateDir, remote, stack);
  }

  async list(): Promise<StoredStack[]> {
    const root = join(this.stateDir, 'state');
    const out: StoredStack[] = [];
    for (const remote of sortedDir(root)) {
      if (!NAME.test(remote)) continue;
      for (const name of sortedDir(join(root, remote))) {
        if (!name.endsWith('.json')) continue;
        const stack = name.slice(0, -'.json'.length);
        const state = StateStore.open(this.stateDir, remote, stack).state;
        out.push({ remote, stack, serial: state.serial, resources: Object.keys(state.resources).length });
      }
    }
    return out;
  }

  async importState(state: StackState): Promise<ImportOutcome> {
    const file = localStateFile(this.stateDir, state.remote, state.stack);
    const read = readJsonQuietly(file);
    if (read) {
      if (!read.ok) throw new EngineError('ENGINE_STATE_CORRUPT', `${file} ${read.reason}`);
      const held = parseStackState(read.value, file);
      const verdict = compareStates(held, state);
      if (verdict) return verdict;
    }
    writeLocalState(file, state);
    return 'written';
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    const file = historyFile(this.stateDir, entry.remote, entry.stack);
    makePrivateDir(dirname(file));
    appendFileSync(file, `${JSON.stringify(HistoryEntrySchema.parse(entry))}\n`, { mode: 0o600 });
  }

  async history(remote: string, stack: string): Promise<HistoryEntry[]> {
    const file = historyFile(this.stateDir, remote, stack);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line, i) => {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = undefined;
        }
        const parsed = HistoryEntrySchema.safeParse(value);
        if (!parsed.success)
          throw new EngineError(
            'ENGINE_STATE_CORRUPT',
            `${file}: line ${i + 1} is not a pvecdk history entry`,
            'restore the file from a backup, or remove the line',
          );
        return parsed.data;
      });
  }

  async close(): Promise<void> {}
}

/**
 * How a state brought in compares with the one held: `same` (nothing to do),
 * `newer` (the held one wins: refuse), or undefined (the one brought in is newer).
 */
export function compareStates(held: StackState, incoming: StackState): ImportOutcome | undefined {
  if (held.serial > incoming.serial) return 'newer';
  if (held.serial === incoming.serial)
    return JSON.stringify(sortKeys(held)) === JSON.stringify(sortKeys(incoming)) ? 'same' : 'newer';
  return undefined;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

function historyFile(stateDir: string, remote: string, stack: string): string {
  return join(stateDir, 'state', remote, `${stack}.history.jsonl`);
}

function sortedDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw e;
  }
}

function asBackendLock(held: HeldLock): BackendLock {
  return {
    mode: held.mode,
    removed: held.removed,
    release: async () => held.release(),
    downgrade: async () => asBackendLock(held.downgrade()),
  };
}
