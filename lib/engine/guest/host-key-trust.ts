import type { PresentedHostKey } from '../../ssh/ssh-target.ts';
import { GuestError } from './guest-errors.ts';

/** A guest as host keys are recorded for it: the VM, which outlives changes of its address. */
export interface GuestVmId {
  readonly node_name: string;
  readonly vm_id: number;
}

/** What state keeps of a guest's host key after trust on first use. */
export interface RecordedHostKey {
  /** `SHA256:…` as ssh-keygen prints it. */
  readonly fingerprint: string;
  readonly keyType: string;
  /**
   * The VM's creation identity when the key was recorded (Proxmox's `meta`
   * `ctime`, set anew when a VM is created or cloned): a VM made again under
   * the same id has a new one, and its new host key is trusted again.
   */
  readonly creation?: string | undefined;
  /** `host:port` the key was presented on, for messages. */
  readonly endpoint: string;
  readonly recordedAt: string;
}

/**
 * One stack's book of guest host keys (its state), with what trust on first
 * use needs to tell a re-created VM from an intercepted connection.
 */
export interface GuestHostKeyTrust {
  /** The stack whose state records the keys, for messages. */
  readonly stack: string;
  /** By `hostKeyId`: `node/vmid` for a VM, `jump/host:port` for a jump host. */
  recorded(id: string): RecordedHostKey | undefined;
  /** Records (or replaces) a key; a read-only run (diff) keeps it for this run only. */
  record(id: string, key: RecordedHostKey): Promise<void>;
  /** The VM's creation identity now; undefined when Proxmox does not say. */
  creationOf(guest: GuestVmId): Promise<string | undefined>;
  /** Tells the operator something that does not stop the run (a key trusted for the first time). */
  notify?(message: string): void;
}

/** Where a host key is recorded: `node/vmid` for a VM's guest, `jump/host:port` for a jump host. */
export function hostKeyId(of: GuestVmId | { readonly jump: string }): string {
  return 'jump' in of ? `jump/${of.jump}` : `${of.node_name}/${of.vm_id}`;
}

/** The `ctime` of a Proxmox `meta` option (`creation-qemu=8.1.5,ctime=1718000000`). */
export function creationOfMeta(meta: unknown): string | undefined {
  if (typeof meta !== 'string') return undefined;
  const m = /(?:^|,)ctime=(\d+)(?:,|$)/.exec(meta);
  return m ? `ctime=${m[1]}` : undefined;
}

/**
 * Trust on first use for a guest without a pinned key: the first key seen is
 * recorded; afterwards only that key is accepted, unless the VM was created
 * anew (another creation identity), whose new key is recorded and said so.
 * Any other change throws GUEST_HOST_KEY_CHANGED before anything is sent.
 */
export async function trustHostKey(
  trust: GuestHostKeyTrust,
  /** The VM whose guest it is; absent for a jump host, which has no creation identity to go by. */
  guest: GuestVmId | undefined,
  presented: PresentedHostKey,
  /** What the messages call it: `VM 101 on pve1 (Platform/Router)`, `the jump host admin@10.0.0.1:22`. */
  vm: string,
): Promise<void> {
  const endpoint = `${presented.host}:${presented.port}`;
  const id = hostKeyId(guest ?? { jump: endpoint });
  const known = trust.recorded(id);
  if (known?.fingerprint === presented.fingerprint) return;
  const creation = guest ? await trust.creationOf(guest) : undefined;
  const entry: RecordedHostKey = {
    fingerprint: presented.fingerprint,
    keyType: presented.keyType,
    ...(creation !== undefined ? { creation } : {}),
    endpoint,
    recordedAt: new Date().toISOString(),
  };
  if (!known) {
    await trust.record(id, entry);
    trust.notify?.(
      `${vm}: trusting the host key ${presented.fingerprint} (${presented.keyType}) on first use; stack ${trust.stack} records it and accepts only this key from now on`,
    );
    return;
  }
  if (creation !== undefined && known.creation !== undefined && creation !== known.creation) {
    await trust.record(id, entry);
    trust.notify?.(
      `${vm}: the VM was created anew (${known.creation} → ${creation}); its new host key ${presented.fingerprint} replaces ${known.fingerprint} in the state of stack ${trust.stack}`,
    );
    return;
  }
  throw new GuestError(
    'GUEST_HOST_KEY_CHANGED',
    `${vm} at ${endpoint} presented the host key ${presented.fingerprint} (${presented.keyType}), but stack ${trust.stack} recorded ${known.fingerprint} (${known.keyType}) on ${known.recordedAt.slice(0, 10)}${guest ? `, and the VM was not created anew${creation === undefined ? ' as far as Proxmox tells (no creation time in its meta option)' : ` (still ${creation})`}` : ''}; the connection was closed before anything was sent`,
    `if the guest's host keys were regenerated on purpose, read the new fingerprint on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it with hostKeySha256 on the guest target; otherwise do not connect: something may be intercepting the connection`,
  );
}
