import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/private/atomic-file.ts';
import type { AclEntry } from './acl.ts';
import { EmulatorError } from './emulator-errors.ts';
import type { SimGuest } from './guests/guest-state.ts';
import type { EmulatorTask } from './task-runner.ts';
import { readTokenSecrets, tokenCfgText, withoutTokenSecrets, writeTokenSecrets } from './token-secrets.ts';

export type QemuConfig = Record<string, string | number>;

export interface EmulatorSnapshot {
  readonly name: string;
  readonly description: string;
  readonly snaptime: number;
  readonly parent?: string;
  readonly config: QemuConfig;
  /** The guest's disk as it was (emulated guests only): a rollback restores it. */
  readonly guest?: SimGuest;
}

export interface EmulatorVm {
  vmid: number;
  node: string;
  config: QemuConfig;
  status: 'running' | 'stopped';
  lock?: string;
  /** The snapshot the current state descends from. */
  parent?: string;
  snapshots: Record<string, EmulatorSnapshot>;
  startedAt?: number;
  /** Changes a running VM cannot take at once (the config file's [PENDING] section); `null` is a pending delete. */
  pending?: Record<string, string | number | null>;
  /** The emulated guest inside (its disk, accounts, host key): see guests/. */
  guest?: SimGuest;
}

export interface EmulatorNetIface {
  iface: string;
  type: string;
  autostart?: number;
  bridge_ports?: string;
  bridge_vlan_aware?: number;
  bridge_vids?: string;
  cidr?: string;
  gateway?: string;
  cidr6?: string;
  gateway6?: string;
  comments?: string;
  mtu?: number;
  active?: number;
}

export interface EmulatorNode {
  name: string;
  maxcpu: number;
  maxmem: number;
  network: Record<string, EmulatorNetIface>;
  /** Staged edits (`/etc/network/interfaces.new`); `null` entries are deletions. */
  pendingNetwork?: Record<string, EmulatorNetIface | null>;
}

export interface EmulatorStorage {
  storage: string;
  type: string;
  shared: number;
  content: string;
}

export interface EmulatorUser {
  enable: number;
  password?: string;
  comment?: string;
  /** Seconds since the epoch; absent or 0: never. */
  expire?: number;
  firstname?: string;
  lastname?: string;
  email?: string;
  keys?: string;
}

export interface EmulatorToken {
  secret: string;
  privsep: number;
  /** Seconds since the epoch; absent or 0: never. */
  expire?: number;
  comment?: string;
}

export interface EmulatorFirewallRule {
  [key: string]: string | number | undefined;
}

/** One firewall scope: the cluster, a node, a VM, or a security group. */
export interface EmulatorFirewallScope {
  rules: EmulatorFirewallRule[];
  options: Record<string, string | number>;
  ipsets: Record<
    string,
    { comment?: string; entries: Array<{ cidr: string; comment?: string; nomatch?: number }> }
  >;
  aliases: Record<string, { cidr: string; comment?: string }>;
}

export interface EmulatorState {
  version: 1;
  clusterName: string;
  nodes: Record<string, EmulatorNode>;
  storages: Record<string, EmulatorStorage>;
  vms: Record<string, EmulatorVm>;
  pools: Record<string, { comment?: string; members: number[] }>;
  users: Record<string, EmulatorUser>;
  tokens: Record<string, EmulatorToken>;
  acl: AclEntry[];
  roles: Record<string, string[]>;
  groups: Record<string, string[]>;
  /** By scope: `cluster`, `node/pve1`, `vm/100`, `group/name`. */
  firewall?: Record<string, EmulatorFirewallScope>;
  /** vzdump jobs of /cluster/backup, by id. */
  backupJobs?: Record<string, Record<string, unknown>>;
  /** HA resources of /cluster/ha/resources, by sid (`vm:100`). */
  haResources?: Record<string, Record<string, string | number>>;
  /** HA groups of /cluster/ha/groups (PVE 8), by name. */
  haGroups?: Record<string, Record<string, string | number>>;
  /** Worker tasks by UPID, running and finished (see task-runner.ts): they outlive the emulator's process. */
  tasks?: Record<string, EmulatorTask>;
}

/** Loads the state from `dataDir`, or seeds a new cluster. */
export function loadState(dataDir: string, seed: () => EmulatorState): EmulatorState {
  const file = join(dataDir, 'state.json');
  if (!existsSync(file)) return seed();
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as EmulatorState;
  if (parsed.version !== 1)
    throw new EmulatorError(
      'EMULATOR_STATE',
      `${file}: unknown emulator state version ${String(parsed.version)}`,
      'start the emulator with --reset (its state is then seeded anew), or use the pvecdk version that wrote it',
    );
  readTokenSecrets(dataDir, parsed);
  return parsed;
}

/**
 * Persists the state at most every `delayMs`, and on flush. `mayWrite` is
 * asked before each write: an emulator that no longer owns its data dir must
 * not overwrite the newer owner's state with its older copy (it is told
 * through `onRefused` instead, once).
 */
export class StatePersister {
  private timer: NodeJS.Timeout | undefined;
  private refused = false;
  private dirty = false;
  /** priv/token.cfg's text as this persister last wrote it. */
  private tokensWritten: string | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly state: () => EmulatorState,
    private readonly delayMs = 50,
    private readonly guard: { mayWrite(): boolean; onRefused(): void } = {
      mayWrite: () => true,
      onRefused: () => {},
    },
  ) {}

  changed(): void {
    if (this.refused) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Writes now if anything changed: a request's change is saved before it is answered. */
  flushIfDirty(): void {
    if (this.dirty) this.flush();
  }

  /** Writes what is pending, and nothing after: the emulator is letting go of its data dir. */
  close(): void {
    this.flush();
    this.refused = true;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.refused) return;
    if (!this.guard.mayWrite()) {
      this.refused = true;
      this.guard.onRefused();
      return;
    }
    this.dirty = false;
    const state = this.state();
    // The secrets first: state.json never names a token whose secret is not saved. Most changes
    // touch no token: the file is written again only when its text changes.
    const tokens = tokenCfgText(state);
    if (tokens !== this.tokensWritten) {
      writeTokenSecrets(this.dataDir, tokens);
      this.tokensWritten = tokens;
    }
    writeFileAtomic(join(this.dataDir, 'state.json'), JSON.stringify(withoutTokenSecrets(state)), 0o600);
  }
}
