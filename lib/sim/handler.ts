import type { EmulatorAuth, TicketAuthority } from './auth.ts';
import type { EmulatorState, EmulatorVm } from './state.ts';
import type { StorageIo } from './storage-io.ts';
import type { TaskRunner } from './task-runner.ts';

/** What a handler gets: the validated parameters, the caller, and the cluster. */
export interface EmulatorContext {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, unknown>;
  readonly auth: EmulatorAuth;
  readonly state: EmulatorState;
  readonly tasks: TaskRunner;
  readonly tickets: TicketAuthority;
  /** The PEM of the certificate clients trust (`cert` of a console answer); empty when not served over TLS. */
  readonly certificate: string;
  /** Latencies in ms at scale 1 (before the latency scale). */
  readonly latency: EmulatorLatency;
  /** Storage locks and bandwidth: where clones allocate and copy. */
  readonly storageIo: StorageIo;
  /** Marks the state dirty so it is persisted. */
  changed(): void;
  /** The acting user as UPIDs show it (`root@pam!pvecdk` for a token). */
  readonly actor: string;
  /** Whether the caller holds `privilege` on `path`. */
  can(privilege: string, path: string): boolean;
  /** A VM by id, or Proxmox's "does not exist" error. */
  vm(vmid: unknown): EmulatorVm;
}

export type EmulatorHandler = (ctx: EmulatorContext) => unknown;

/**
 * An answer with keys beside `data` in its envelope, as Proxmox adds them to
 * some answers: `total` of a paged list, `changes` of a node's staged network.
 */
export class EnvelopedAnswer {
  constructor(
    readonly data: unknown,
    readonly extra: Readonly<Record<string, unknown>>,
  ) {}
}

export interface EmulatorLatency {
  readonly clone: number;
  readonly create: number;
  readonly config: number;
  readonly power: number;
  readonly snapshot: number;
  readonly destroy: number;
  readonly network: number;
}

/** Realistic defaults at scale 1; tests scale them down. */
export const DEFAULT_LATENCY: EmulatorLatency = {
  // A clone's own work (configs, volume activation, qemu-img start); allocation and copy come from StorageIo.
  clone: 1_000,
  create: 1_500,
  config: 300,
  power: 1_000,
  snapshot: 1_500,
  destroy: 1_000,
  network: 800,
};

/** `register('GET', '/version', handler)` tables, one per API area. */
export type HandlerTable = Array<[method: string, template: string, handler: EmulatorHandler]>;
