import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ENGINE_LIMITS } from '../lib/engine/deploy.ts';
import type { WalkEvent } from '../lib/engine/graph-walker.ts';
import { SecretStore } from '../lib/engine/secrets/secret-store.ts';
import { PveApi, PveClient, type PveRequestEvent } from '../lib/pve/index.ts';
import { type RunningEmulator, startEmulator } from '../lib/sim/index.ts';
import type { StorageIoOptions } from '../lib/sim/storage-io.ts';

/** The CLI's default `--concurrency`: it sizes both the walker and the client, as `pvecdk deploy` does. */
export const ENGINE_CONCURRENCY = 4;
/** The fixed keyed limits deploy.ts gives the walker (the per-storage clone limit is learnt at run time). */
export const WALK_LIMITS: Readonly<Record<string, number>> = ENGINE_LIMITS;
/** Task polling of the CLI's embedded emulator (remote-target.ts): the engine's real waits on tasks. */
const TASK_POLL = { pollMs: 20, maxPollMs: 200 };

export interface BenchEmulator {
  readonly server: RunningEmulator;
  readonly client: PveClient;
  readonly api: PveApi;
  readonly stateDir: string;
  /** The secret store the CLI would open for this state folder (the stacks reference generated secrets). */
  readonly secrets: SecretStore;
  close(): Promise<void>;
}

/** A fresh emulator and the client and API the CLI would use with it; requests go to `onRequest`. */
export async function startBenchEmulator(
  latencyScale: number,
  onRequest?: (event: PveRequestEvent) => void,
  storage?: StorageIoOptions,
): Promise<BenchEmulator> {
  const server = await startEmulator({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pvecdk-bench-emulator-')),
    latencyScale,
    ...(storage ? { storage } : {}),
  });
  const client = new PveClient({
    hosts: [server.url],
    credentials: { tokenId: server.tokenId, tokenSecret: server.tokenSecret },
    tls: { fingerprint: server.fingerprint },
    concurrency: ENGINE_CONCURRENCY,
    ...(onRequest ? { onRequest } : {}),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-bench-state-'));
  return {
    server,
    client,
    api: new PveApi(client, TASK_POLL),
    stateDir,
    secrets: new SecretStore(stateDir, 'default', stateDir),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** One walker action as it ran: times are ms since the deploy started. */
export interface ActionTrace {
  readonly stack: string;
  readonly id: string;
  startMs: number;
  endMs: number;
  /** The walker's own `elapsedMs` of the action (retries included). */
  durationMs: number;
  status: string;
  retries: number;
  requests: number;
  requestMs: number;
  /** Tasks it waited for, by UPID (seen in its status polls). */
  readonly tasks: Set<string>;
}

export interface RequestTrace {
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly ms: number;
  /** `stack/id` of the action that sent it, when it came from a running action. */
  readonly action: string | undefined;
}

const TASK_STATUS = /\/tasks\/([^/]+)\/status$/;

/**
 * Records a deploy: every walker action with its start, end and duration,
 * and every request with the action that sent it. Attribution uses the
 * async context: the walker emits `running` synchronously right before it
 * calls the action, so the context entered there is the action's own.
 */
export class DeployTracer {
  readonly actions = new Map<string, ActionTrace>();
  readonly requests: RequestTrace[] = [];
  /** Per stack, from its walk's first event to its last action's end. */
  readonly walks = new Map<string, { startMs: number; endMs: number }>();
  private readonly current = new AsyncLocalStorage<string>();
  private readonly running = new Set<string>();
  private origin = performance.now();

  start(): void {
    this.origin = performance.now();
  }

  elapsed(): number {
    return performance.now() - this.origin;
  }

  readonly onEvent = (stack: string, event: WalkEvent): void => {
    const key = `${stack}/${event.id}`;
    const now = this.elapsed();
    const walk = this.walks.get(stack) ?? { startMs: now, endMs: now };
    this.walks.set(stack, walk);
    if (event.type === 'waiting') {
      this.actions.set(key, {
        stack,
        id: event.id,
        startMs: Number.NaN,
        endMs: Number.NaN,
        durationMs: 0,
        status: 'waiting',
        retries: 0,
        requests: 0,
        requestMs: 0,
        tasks: new Set(),
      });
      return;
    }
    const action = this.actions.get(key)!;
    if (event.type === 'running') {
      action.startMs = now;
      action.status = 'running';
      this.running.add(key);
      this.current.enterWith(key);
    } else if (event.type === 'retrying') {
      action.retries += 1;
    } else {
      action.endMs = now;
      action.durationMs = event.elapsedMs;
      action.status = event.type;
      this.running.delete(key);
      walk.endMs = Math.max(walk.endMs, now);
    }
  };

  readonly onRequest = (event: PveRequestEvent): void => {
    const key = this.current.getStore();
    const action = key !== undefined && this.running.has(key) ? this.actions.get(key) : undefined;
    this.requests.push({
      atMs: this.elapsed(),
      method: event.method,
      path: event.path,
      ms: event.ms,
      action: action ? key : undefined,
    });
    if (!action) return;
    action.requests += 1;
    action.requestMs += event.ms;
    const upid = TASK_STATUS.exec(event.path)?.[1];
    if (upid) action.tasks.add(decodeURIComponent(upid));
  };
}

/** `/nodes/pve2/qemu/1101/config` → `/nodes/{node}/qemu/{id}/config`: requests grouped by what they ask. */
export function routeOf(path: string): string {
  return path
    .replace(/\/tasks\/[^/]+/, '/tasks/{upid}')
    .replace(/\/nodes\/[^/]+/, '/nodes/{node}')
    .replace(/\/\d+(?=\/|$)/g, '/{id}')
    .replace(/\/pools\/[^/]+/, '/pools/{pool}');
}
