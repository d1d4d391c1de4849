import type { GuestCredential, GuestFs } from './guest-fs.ts';
import type { GuestAccount, SimGuest } from './guest-state.ts';
import type { Shell } from './sh-dialect.ts';

/** What the emulated shell runs programs with: the guest it runs on, standard streams, one running program, its exit. */

export type ShFlavour = 'bash' | 'freebsd';

export interface ShStdin {
  /** All of standard input, once the client has sent EOF. */
  readAll(): Promise<Buffer>;
}

export interface Sink {
  write(chunk: Buffer | string): void;
}

export const EMPTY_STDIN: ShStdin = { readAll: async () => Buffer.alloc(0) };

export interface ShIo {
  readonly stdin: ShStdin;
  readonly out: Sink;
  readonly err: Sink;
}

/** A program at an absolute path the guest provides beyond the common tools (pfSense's scripts). */
export type GuestProgram = (proc: Proc, args: string[]) => Promise<number>;

/** What a guest gives the shell. */
export interface ShGuest {
  readonly fs: GuestFs;
  readonly guest: SimGuest;
  readonly flavour: ShFlavour;
  readonly hostname: string;
  /** Programs by absolute path, run when the file there is the emulator's stub. */
  readonly programs?: Readonly<Record<string, GuestProgram>>;
  /** Accounts by name, for `sudo` and `id`. */
  account(name: string): GuestAccount | undefined;
}

/** One running program: its arguments come separately; what it may use is here. */
export interface Proc {
  readonly shell: Shell;
  readonly io: ShIo;
  readonly name: string;
  readonly cwd: string;
  readonly cred: GuestCredential;
  readonly env: Record<string, string>;
}

export class ShExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The PATH a login starts with (Debian's and FreeBSD's dirs, /usr/local first). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
