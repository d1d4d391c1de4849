import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import ssh2, { type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { EmulatorError } from '../emulator-errors.ts';
import type { EmulatorVm } from '../state.ts';
import { acceptsEnv, readSshdConfig, type SshdConfig } from './guest-boot.ts';
import { GuestFs } from './guest-fs.ts';
import { type GuestAccount, hostKeyFingerprint, type SimGuest } from './guest-state.ts';
import { pfsensePrograms } from './pfsense-dialect.ts';
import { runWindowsCommand } from './powershell-dialect.ts';
import { serveSftp } from './sftp-server.ts';
import { Shell, type ShGuest, type ShStdin, type Sink } from './sh-dialect.ts';
import { checkPassword, type WindowsLocalUser } from './windows-state.ts';

/**
 * One VM's sshd: an ssh2 Server, fed the connections of the VM's loopback
 * port (guest-manager.ts owns the listener), with the guest's
 * persisted ed25519 host key and the identification string of the OpenSSH
 * that guest runs. It authenticates against the guest itself (the
 * authorized_keys file sshd_config names, the account's password), accepts
 * `env` only as sshd_config's AcceptEnv allows, runs `exec` in the guest's
 * dialect (bash/FreeBSD sh/cmd.exe + PowerShell) and serves SFTP. Interactive
 * shells are refused: the emulator is for automation.
 */

const IDENT: Record<SimGuest['kind'], string> = {
  linux: 'OpenSSH_9.2p1 Debian-2+deb12u3',
  pfsense: 'OpenSSH_9.5 FreeBSD-20231004',
  windows: 'OpenSSH_for_Windows_8.1',
};

type LoginAccount = { kind: 'posix'; account: GuestAccount } | { kind: 'windows'; user: WindowsLocalUser };

export interface GuestSshServerOptions {
  /** The VM as it is now (the guest object changes on rollback). */
  readonly vm: () => EmulatorVm | undefined;
  /** The guest state changed: persist it. */
  readonly changed: () => void;
  /** The VM's loopback port (its listener belongs to the guest manager), for SSH_CONNECTION. */
  readonly port: number;
}

export class GuestSshServer {
  private readonly server: ssh2.Server;
  private readonly connections = new Set<Connection>();
  /** sshd reads its configuration when it starts, as the real one does. */
  private readonly config: SshdConfig;
  readonly port: number;

  /** Starts the guest's sshd: throws (ssh2's text) when the host key cannot be read, as sshd would not start. */
  constructor(private readonly options: GuestSshServerOptions) {
    const vm = options.vm();
    const guest = vm?.guest;
    if (!vm || !guest)
      throw new EmulatorError(
        'EMULATOR_GUEST',
        `VM ${vm?.vmid ?? '?'} has no guest disk for sshd to start from`,
        'start the VM again',
      );
    this.port = options.port;
    this.config = readSshdConfig(guest);
    this.server = new ssh2.Server({ hostKeys: [guest.hostKey], ident: IDENT[guest.kind] }, (client) =>
      this.onClient(client),
    );
    // A connection's socket error must not take the emulator down.
    this.server.on('error', () => {});
  }

  get hostKeyFingerprint(): string {
    const guest = this.options.vm()?.guest;
    return guest ? hostKeyFingerprint(guest.hostKeyPublic) : '';
  }

  /** Serves a connection the VM's port accepted. */
  accept(socket: Socket): void {
    this.server.injectSocket(socket);
  }

  /** Drops every connection (the guest goes down). */
  stop(): void {
    for (const c of this.connections) {
      try {
        c.end();
      } catch {
        // Already gone.
      }
      (c as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
    }
    this.connections.clear();
  }

  private account(guest: SimGuest, username: string): LoginAccount | undefined {
    if (guest.kind === 'windows') {
      const name = username.replace(/^.*\\/, '').replace(/@.*$/, '').toLowerCase();
      const user = guest.windows?.users[name];
      return user?.enabled ? { kind: 'windows', user } : undefined;
    }
    const account = guest.accounts[username];
    return account ? { kind: 'posix', account } : undefined;
  }

  /** The public keys sshd would read for this account, parsed. */
  private authorizedKeys(guest: SimGuest, login: LoginAccount): ParsedKey[] {
    const fs = new GuestFs(guest.fs);
    const cfg = this.config;
    const files: string[] = [];
    if (login.kind === 'windows') {
      const admin = guest.windows?.groups.administrators?.members.some(
        (m) => m.toLowerCase() === login.user.name.toLowerCase(),
      );
      const home = `C:\\Users\\${login.user.name}`;
      if (admin && cfg.administratorsKeysFile) files.push(cfg.administratorsKeysFile);
      else files.push(...cfg.authorizedKeysFile.map((f) => (/^[A-Za-z]:|^\//.test(f) ? f : `${home}\\${f}`)));
    } else {
      const a = login.account;
      files.push(
        ...cfg.authorizedKeysFile.map((f) => {
          const expanded = f.replace(/%h/g, a.home).replace(/%u/g, a.name).replace(/%%/g, '%');
          return expanded.startsWith('/') ? expanded : `${a.home}/${expanded}`;
        }),
      );
    }
    const keys: ParsedKey[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = fs.readText(file);
      } catch {
        continue;
      }
      for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (!line || line.startsWith('#')) continue;
        // Options before the key type (`from="..." ssh-ed25519 AAAA...`) are skipped, not enforced.
        const m = /((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/=]+)/.exec(line);
        if (!m) continue;
        const parsed = ssh2.utils.parseKey(`${m[1]} ${m[2]}`);
        if (!(parsed instanceof Error)) keys.push(Array.isArray(parsed) ? parsed[0] : parsed);
      }
    }
    return keys;
  }

  private onClient(client: Connection): void {
    this.connections.add(client);
    client.on('close', () => this.connections.delete(client));
    client.on('error', () => this.connections.delete(client));
    let login: LoginAccount | undefined;
    client.on('authentication', (ctx) => {
      const guest = this.options.vm()?.guest;
      const cfg = this.config;
      const methods: Array<'publickey' | 'password'> = [
        ...(cfg.pubkeyAuthentication ? (['publickey'] as const) : []),
        ...(cfg.passwordAuthentication ? (['password'] as const) : []),
      ];
      const candidate = guest ? this.account(guest, ctx.username) : undefined;
      if (!guest || !candidate) return ctx.reject(methods);
      if (ctx.method === 'password' && cfg.passwordAuthentication) {
        const hash =
          candidate.kind === 'windows' ? candidate.user.passwordHash : candidate.account.passwordHash;
        if (checkPassword(hash, ctx.password)) {
          login = candidate;
          return ctx.accept();
        }
        return ctx.reject(methods);
      }
      if (ctx.method === 'publickey' && cfg.pubkeyAuthentication) {
        const key = this.authorizedKeys(guest, candidate).find((k) => k.getPublicSSH().equals(ctx.key.data));
        if (!key) return ctx.reject(methods);
        if (!ctx.signature || !ctx.blob) return ctx.accept();
        if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
          login = candidate;
          return ctx.accept();
        }
        return ctx.reject(methods);
      }
      return ctx.reject(methods);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        const env: Record<string, string> = {};
        let pty = false;
        session.on('pty', (accept) => {
          pty = true;
          accept?.();
        });
        session.on('env', (accept, reject, info) => {
          if (acceptsEnv(this.config, info.key)) {
            env[info.key] = info.val;
            accept?.();
          } else reject?.();
        });
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          void this.exec(login!, info.command, stream, env, pty);
        });
        session.on('sftp', (accept) => {
          const guest = this.options.vm()?.guest;
          if (!guest || !login) return;
          const fs = new GuestFs(guest.fs);
          const who = login.kind === 'posix' ? login.account.name : login.user.name;
          const sftp = accept();
          serveSftp(sftp, {
            fs,
            cred:
              login.kind === 'posix'
                ? { uid: login.account.uid, gid: login.account.gid }
                : { uid: 0, gid: 0 },
            home: login.kind === 'posix' ? login.account.home : `C:\\Users\\${login.user.name}`,
            changed: () => {
              // An SFTP write changes the guest: logged as such, so a run's changes can be counted.
              guest.commands ??= [];
              guest.commands.push({
                at: Date.now(),
                user: who,
                command: 'sftp: write',
                exitCode: 0,
                changed: true,
              });
              if (guest.commands.length > 200) guest.commands.splice(0, guest.commands.length - 200);
              this.options.changed();
            },
          });
        });
        session.on('shell', (_accept, reject) => reject());
        session.on('subsystem', (_accept, reject) => reject());
      });
    });
  }

  private async exec(
    login: LoginAccount,
    command: string,
    stream: ServerChannel,
    env: Record<string, string>,
    pty: boolean,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    let ended = false;
    const waiters: Array<() => void> = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      ended = true;
      for (const w of waiters.splice(0)) w();
    });
    const stdin: ShStdin = {
      readAll: () =>
        ended
          ? Promise.resolve(Buffer.concat(chunks))
          : new Promise((resolve) => waiters.push(() => resolve(Buffer.concat(chunks)))),
    };
    const translate = (c: Buffer | string) =>
      pty ? Buffer.from(c.toString().replace(/(?<!\r)\n/g, '\r\n')) : Buffer.from(c);
    const out: Sink = { write: (c) => stream.write(translate(c)) };
    const err: Sink = {
      write: (c) => (pty ? stream.write(translate(c)) : stream.stderr.write(Buffer.from(c))),
    };
    let code: number;
    const vm = this.options.vm();
    const guest = vm?.guest;
    const before = guest ? guestDigest(guest) : '';
    try {
      if (!guest || !vm) code = 255;
      else if (guest.kind === 'windows' && login.kind === 'windows') {
        code = await runWindowsCommand(command, {
          fs: new GuestFs(guest.fs),
          windows: guest.windows!,
          userName: login.user.name,
          sshEnv: env,
          stdin,
          out,
          err,
          pty,
        });
      } else if (login.kind === 'posix') {
        const shGuest: ShGuest = {
          fs: new GuestFs(guest.fs),
          guest,
          flavour: guest.kind === 'pfsense' ? 'freebsd' : 'bash',
          hostname: guest.kind === 'pfsense' ? 'pfSense.home.arpa' : String(vm.config.name ?? `vm${vm.vmid}`),
          ...(guest.kind === 'pfsense'
            ? { programs: pfsensePrograms(() => this.options.vm()?.guest ?? guest) }
            : {}),
          account: (name) => guest.accounts[name],
        };
        const shell = new Shell(shGuest, login.account, {
          ...env,
          SSH_CONNECTION: `127.0.0.1 0 127.0.0.1 ${this.port}`,
        });
        code = await shell.run(command, { stdin, out, err });
      } else code = 255;
    } catch (e) {
      err.write(`pvecdk guest emulator: internal error: ${(e as Error).stack ?? String(e)}\n`);
      code = 255;
    }
    if (guest) {
      guest.commands ??= [];
      const log = guest.commands;
      log.push({
        at: Date.now(),
        user: login.kind === 'posix' ? login.account.name : login.user.name,
        command,
        exitCode: code,
        changed: guestDigest(guest) !== before,
      });
      if (log.length > 200) log.splice(0, log.length - 200);
    }
    this.options.changed();
    stream.exit(code);
    stream.end();
  }
}

/** A digest of what a guest holds (files, accounts, Windows and pfSense state), its command log left out. */
function guestDigest(guest: SimGuest): string {
  const { commands: _log, ...rest } = guest;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}
