import type { ExecOptions, ExecResult } from '../../ssh/exec-command.ts';
import type { UploadData } from '../../ssh/sftp-transfer.ts';
import type { GuestHostKeyTrust } from './host-key-trust.ts';

/**
 * The guest a resource changes, as its plan's `target` block names it once
 * references are resolved (the GuestTarget contract).
 */
export interface GuestAddress {
  readonly vm_id: number;
  readonly node_name: string;
  readonly host: string;
  readonly port?: number | undefined;
  readonly username: string;
  readonly dialect: 'sh' | 'powershell' | 'pfsense';
  /** A secret reference; the transport resolves it, handlers never see the key. */
  readonly private_key: string;
  readonly host_key_sha256?: string | undefined;
  readonly jump_host?: string | undefined;
}

/** Who asks for a session: errors and progress name the resource. */
export interface GuestRequester {
  /** The resource's construct path. */
  readonly path: string;
  /** Progress while the guest is still booting or the connection is retried. */
  readonly onWait?: (message: string) => void;
}

/**
 * One open, authenticated channel to a guest, shared by every resource of a
 * run that names the same guest. Commands must be built with the guest's
 * dialect (lib/ssh/dialects.ts); data and secrets travel on stdin.
 */
export interface GuestSession {
  /** `user@host:port` (with its jump host), for messages. */
  readonly description: string;
  readonly dialect: GuestAddress['dialect'];
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /** Writes a file atomically (temp file, then rename); `mode` is ignored on Windows. */
  upload(path: string, data: UploadData, options: { readonly mode: number }): Promise<void>;
  /** Reads a whole file; undefined when it does not exist. */
  download(path: string, options?: { readonly maxBytes?: number }): Promise<Buffer | undefined>;
  /**
   * A file's permission bits (`mode & 0o7777`) and size; undefined when it
   * does not exist. Optional: a transport without it cannot compare modes.
   */
  stat?(path: string): Promise<{ readonly mode: number; readonly size: number } | undefined>;
}

/**
 * How the engine reaches guests, chosen by the CLI so the engine never
 * imports the emulator: over SSH for a real remote (lib/ssh, through the jump
 * host when set), or to the loopback endpoints the embedded emulator
 * publishes. Open to a second kind (the QEMU guest agent).
 */
export interface GuestTransport {
  /** A session to the guest, opened on first use in a run and reused after. */
  session(address: GuestAddress, requester: GuestRequester): Promise<GuestSession>;
  /** Closes every session of the run. */
  close(): Promise<void>;
  /**
   * The same transport (and sessions) seen from one stack: host keys trusted
   * on first use are recorded in, and checked against, that stack's state.
   * The engine calls it for each stack it walks; without it, only pinned
   * host keys (or the transport's own trust) apply.
   */
  forStack?(trust: GuestHostKeyTrust): GuestTransport;
}
