import { createHash } from 'node:crypto';
import ssh2, { type Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import {
  generateEd25519KeyPair,
  SEED_TEMPLATES,
  type StartEmulatorOptions,
  startTestEmulator,
  type TestEmulator,
} from '../../../lib/sim/index.ts';

/** Test helpers: an emulator with one guest VM cloned from a seeded template, and an ssh2 client for it. */

export type TemplateKind = 'windows' | 'linux' | 'pfsense';

const TEMPLATE: Record<TemplateKind, number> = {
  windows: SEED_TEMPLATES.windowsServer,
  linux: SEED_TEMPLATES.debian,
  pfsense: SEED_TEMPLATES.pfsense,
};

export interface KeyPair {
  readonly private: string;
  readonly public: string;
}

/** A client key (not ssh2's generator: it makes a malformed ed25519 key about once in 256). */
export function newKey(): KeyPair {
  return generateEd25519KeyPair();
}

/** `SHA256:...` of a raw host key blob, as ssh-keygen prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export interface GuestVm {
  readonly vmid: number;
  readonly node: string;
}

/** Clones a template to `vmid` with cloud-init user and keys, and optionally starts it. */
export async function cloneGuest(
  emu: TestEmulator,
  kind: TemplateKind,
  vmid: number,
  options: {
    user?: string;
    password?: string;
    keys?: readonly string[];
    name?: string;
    start?: boolean;
  } = {},
): Promise<GuestVm> {
  const node = 'pve1';
  await emu.api.cloneQemu(node, TEMPLATE[kind], {
    newid: vmid,
    name: options.name ?? `${kind}-${vmid}`,
    full: 1,
  });
  const params: Record<string, string> = {};
  if (options.user) params.ciuser = options.user;
  if (options.password) params.cipassword = options.password;
  // Proxmox stores sshkeys URL-encoded; clients send them encoded the same way.
  if (options.keys) params.sshkeys = encodeURIComponent(options.keys.join('\n'));
  if (Object.keys(params).length) await emu.api.setQemuConfig(node, vmid, params);
  if (options.start !== false) await emu.api.qemuPower(node, vmid, 'start');
  return { vmid, node };
}

export async function emulator(options: StartEmulatorOptions = {}): Promise<TestEmulator> {
  return startTestEmulator({ latencyScale: 0.001, ...options });
}

export interface ConnectOptions {
  readonly port: number;
  readonly username: string;
  readonly privateKey?: string;
  readonly password?: string;
  /** When set, the host key must have this fingerprint. */
  readonly fingerprint?: string;
}

/** Connects an ssh2 client (bounded timeouts); rejects on auth failure or a host key mismatch. */
export function connect(options: ConnectOptions): Promise<Client & { seenFingerprint: string }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client() as Client & { seenFingerprint: string };
    client.seenFingerprint = '';
    client.once('ready', () => resolve(client));
    // `on`, not `once`: a reset after the guest or the emulator closed (VM stopped, test over) is
    // a later error event, and an unhandled one would crash the test run.
    client.on('error', (e) => {
      client.end();
      reject(e);
    });
    client.connect({
      host: '127.0.0.1',
      port: options.port,
      username: options.username,
      ...(options.privateKey ? { privateKey: options.privateKey } : {}),
      ...(options.password ? { password: options.password } : {}),
      readyTimeout: 5_000,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        client.seenFingerprint = fingerprintOf(key);
        return options.fingerprint === undefined || client.seenFingerprint === options.fingerprint;
      },
    });
  });
}

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; `stdin` is sent then EOF; `env` as SSH env requests. */
export function exec(
  client: Client,
  command: string,
  options: { stdin?: string | Buffer; env?: Record<string, string>; pty?: boolean; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`exec timed out: ${command.slice(0, 80)}`)),
      options.timeoutMs ?? 10_000,
    );
    client.exec(
      command,
      { ...(options.env ? { env: options.env } : {}), ...(options.pty ? { pty: true } : {}) },
      (err, stream: ClientChannel) => {
        if (err) {
          clearTimeout(timer);
          reject(err);
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        stream.on('data', (c: Buffer) => out.push(c));
        stream.stderr.on('data', (c: Buffer) => errOut.push(c));
        stream.on('exit', (c: number | null) => {
          code = c;
        });
        stream.on('close', () => {
          clearTimeout(timer);
          resolve({
            code,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
          });
        });
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      },
    );
  });
}

export function sftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
}

/** A promise form of one SFTP call. */
export function call<T = void>(
  f: (cb: (err: Error | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value as T))));
}
