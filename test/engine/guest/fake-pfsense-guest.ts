import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestSession, GuestTransport } from '../../../lib/engine/guest/guest-transport.ts';
import type { PveApi } from '../../../lib/pve/api/pve-api.ts';
import type { ExecResult } from '../../../lib/ssh/exec-command.ts';

/**
 * A pfSense guest for unit tests: its files live in a temp directory, and
 * the commands handlers send run in the real /bin/sh with the guest's
 * absolute paths moved under that directory. The reload scripts are stubs
 * that record each call and fail on demand. A VM snapshot copies the
 * directory; a rollback puts the copy back (what a disk snapshot does).
 */
export class FakePfsenseGuest {
  readonly root = mkdtempSync(join(tmpdir(), 'pvecdk-pfsense-'));
  /** Every command's label, in order, and every download's path. */
  readonly execs: string[] = [];
  readonly downloads: string[] = [];
  /** The next write runs out of disk after this many bytes. */
  diskFullAfter: number | undefined;
  private readonly snapshots = new Map<string, string>();

  constructor(configXml: string) {
    for (const dir of ['cf/conf', 'tmp', 'etc', 'usr/local/sbin', 'bin-fault'])
      mkdirSync(join(this.root, dir), { recursive: true });
    writeFileSync(this.path('/cf/conf/config.xml'), configXml);
    writeFileSync(this.path('/tmp/config.cache'), 'a:0:{}');
    const stub = (name: string) => {
      const file = this.path(name);
      // Records the call; fails with the message in reload-fails when that file exists.
      writeFileSync(
        file,
        `#!/bin/sh\necho "${name} $*" >> "${this.root}/reloads.log"\nif [ -f "${this.root}/reload-fails" ]; then cat "${this.root}/reload-fails" >&2; exit 1; fi\necho "done"\n`,
      );
      chmodSync(file, 0o755);
    };
    for (const name of ['/etc/rc.reload_all', '/etc/rc.filter_configure', '/usr/local/sbin/pfSsh.php'])
      stub(name);
  }

  path(guestPath: string): string {
    return join(this.root, guestPath);
  }

  get config(): string {
    return readFileSync(this.path('/cf/conf/config.xml'), 'utf8');
  }

  set config(text: string) {
    writeFileSync(this.path('/cf/conf/config.xml'), text);
  }

  exists(guestPath: string): boolean {
    return existsSync(this.path(guestPath));
  }

  read(guestPath: string): string {
    return readFileSync(this.path(guestPath), 'utf8');
  }

  reloads(): string[] {
    return existsSync(join(this.root, 'reloads.log'))
      ? readFileSync(join(this.root, 'reloads.log'), 'utf8').trim().split('\n')
      : [];
  }

  failReloads(message: string | undefined): void {
    const file = join(this.root, 'reload-fails');
    if (message === undefined) rmSync(file, { force: true });
    else writeFileSync(file, `${message}\n`);
  }

  /** The script a dialect command line carries (the sh dialect sends it as printf octal escapes). */
  private scriptOf(command: string): string {
    const format = /printf "((?:[^"\\]|\\[0-7]{3})*)"/.exec(command)?.[1];
    if (format === undefined) throw new TypeError(`not a sh dialect command: ${command.slice(0, 60)}`);
    const bytes = Buffer.from(
      format.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
      'latin1',
    );
    return bytes
      .toString('utf8')
      .replace(/(^|[\s'"])(\/(?:cf|tmp|etc|usr)\/)/g, (_m, lead: string, dir: string) => {
        return `${lead}${this.root}${dir}`;
      });
  }

  private run(command: string, stdin: string | Uint8Array | undefined): ExecResult {
    const env = { ...process.env };
    if (this.diskFullAfter !== undefined) {
      // A `cat` that writes part of its input, then fails as a full disk does.
      const cat = join(this.root, 'bin-fault', 'cat');
      writeFileSync(
        cat,
        `#!/bin/sh\nhead -c ${this.diskFullAfter}\necho "cat: stdout: No space left on device" >&2\nexit 1\n`,
      );
      chmodSync(cat, 0o755);
      env.PATH = `${join(this.root, 'bin-fault')}:${env.PATH}`;
    }
    const result = spawnSync('/bin/sh', ['-c', this.scriptOf(command)], {
      input: stdin === undefined ? '' : Buffer.from(stdin),
      env,
      timeout: 20_000,
    });
    return {
      code: result.status,
      signal: result.signal ?? undefined,
      stdout: result.stdout.toString('utf8'),
      stderr: result.stderr.toString('utf8'),
      stdoutBuffer: result.stdout,
      stderrBuffer: result.stderr,
    };
  }

  session(): GuestSession {
    return {
      description: 'pvecdk@10.20.0.1:22',
      dialect: 'pfsense',
      exec: async (command, options) => {
        this.execs.push(options.label);
        const result = this.run(command, options.stdin);
        if (result.code !== 0 && !options.allowFailure)
          throw new TypeError(`${options.label} failed: ${result.stderr}`);
        return result;
      },
      upload: async () => {
        throw new TypeError('the pfSense handler writes through exec, not upload');
      },
      download: async (path) => {
        this.downloads.push(path);
        return existsSync(this.path(path)) ? readFileSync(this.path(path)) : undefined;
      },
    };
  }

  transport(): GuestTransport {
    return { session: async () => this.session(), close: async () => {} };
  }

  /** The Proxmox calls a critical change makes, on this guest's "disk". */
  api(): PveApi {
    const snapshots = this.snapshots;
    const root = this.root;
    return {
      qemuStatus: async () => ({ status: 'running' }),
      qemuPower: async () => {},
      snapshots: async () => [...snapshots.keys()].map((name) => ({ name })),
      createSnapshot: async (_node: string, _vmid: number, name: string) => {
        const copy = mkdtempSync(join(tmpdir(), 'pvecdk-pfsense-snap-'));
        cpSync(join(root, 'cf'), join(copy, 'cf'), { recursive: true });
        snapshots.set(name, copy);
      },
      rollbackSnapshot: async (_node: string, _vmid: number, name: string) => {
        rmSync(join(root, 'cf'), { recursive: true, force: true });
        cpSync(join(snapshots.get(name)!, 'cf'), join(root, 'cf'), { recursive: true });
      },
      deleteSnapshot: async (_node: string, _vmid: number, name: string) => {
        rmSync(snapshots.get(name)!, { recursive: true, force: true });
        snapshots.delete(name);
      },
    } as unknown as PveApi;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
    for (const copy of this.snapshots.values()) rmSync(copy, { recursive: true, force: true });
  }
}
