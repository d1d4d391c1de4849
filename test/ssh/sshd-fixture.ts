/**
 * A real OpenSSH server for tests: /usr/sbin/sshd on 127.0.0.1, a free port, the
 * current user, a temporary sshd_config, host key and authorized_keys. Nothing
 * outside its temp folder is touched, except that sshd running as root needs its
 * privilege-separation folder /run/sshd, which is created when missing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { SshTargetInput } from '../../lib/ssh/index.ts';

export const SSHD = '/usr/sbin/sshd';
export const sshdInstalled = existsSync(SSHD);

export interface KeyPair {
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  readonly publicKey: string;
}

/** An ed25519 key pair made by ssh-keygen, in OpenSSH's formats. */
export function makeKeyPair(dir: string, name: string): KeyPair {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** `SHA256:…` of a public key file, as ssh-keygen prints it (the oracle the code is checked against). */
export function keygenFingerprint(publicKeyFile: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  return out.split(' ')[1]!;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function opensshVersion(): number {
  const out = (() => {
    try {
      return execFileSync(SSHD, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return String((e as { stderr?: unknown }).stderr ?? '');
    }
  })();
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(out);
  return m ? Number(m[1]) + Number(m[2]) / 100 : 0;
}

export interface Sshd {
  readonly dir: string;
  readonly port: number;
  readonly user: string;
  readonly client: KeyPair;
  /** The fingerprint ssh-keygen prints for the server's host key. */
  readonly hostKeyFingerprint: string;
  /** Everything sshd logged so far (LogLevel DEBUG1). */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Listen on this port (default: a free one). */
  readonly port?: number;
  /** Reuse keys of another fixture (same host key, same client key). */
  readonly keysFrom?: Sshd;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!sshdInstalled) throw new Error(`${SSHD} is not installed: apt-get install -y openssh-server`);
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-sshd-'));
  const user = userInfo().username;
  const port = options.port ?? (await freePort());
  if (options.keysFrom) {
    for (const f of ['host_ed25519', 'host_ed25519.pub', 'authorized_keys'])
      writeFileSync(join(dir, f), readFileSync(join(options.keysFrom.dir, f)), { mode: 0o600 });
  } else {
    makeKeyPair(dir, 'host_ed25519');
  }
  const client = options.keysFrom?.client ?? makeKeyPair(dir, 'client');
  writeFileSync(join(dir, 'authorized_keys'), `${client.publicKey}\n`, { mode: 0o600 });
  const root = process.getuid?.() === 0;
  if (root && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PidFile none',
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    `PermitRootLogin ${root ? 'prohibit-password' : 'no'}`,
    `AllowUsers ${user}`,
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    'LogLevel DEBUG1',
    'MaxStartups 100',
    'MaxAuthTries 6',
    // bash sources ~/.bashrc for commands run by sshd unless SHLVL says it is nested;
    // a slow ~/.bashrc (pyenv, nvm) would otherwise cost seconds per command.
    'SetEnv SHLVL=1',
    ...(opensshVersion() >= 9.08 ? ['PerSourcePenalties no'] : []),
  ];
  writeFileSync(join(dir, 'sshd_config'), `${config.join('\n')}\n`);

  const logFile = join(dir, 'sshd.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  let stderr = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-E', logFile, '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const deadline = Date.now() + 10_000;
  while (!/Server listening on 127\.0\.0\.1 port/.test(log())) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`sshd did not start (exit ${child.exitCode}):\n${stderr}${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const hostKeyFingerprint = keygenFingerprint(join(dir, 'host_ed25519.pub'));
  return {
    dir,
    port,
    user,
    client,
    hostKeyFingerprint,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Tests need sshd: without it they fail with the install command, unless
 * PVECDK_SKIP_SSHD=1 says to skip them (then nothing here was checked).
 */
export const skipWithoutSshd = !sshdInstalled && process.env.PVECDK_SKIP_SSHD === '1';

/** A target for the fixture with its client key and pinned host key; override what a test varies. */
export function targetFor(sshd: Sshd, overrides: Partial<SshTargetInput> = {}): SshTargetInput {
  return {
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    auth: { privateKey: sshd.client.privateKey },
    hostKey: sshd.hostKeyFingerprint,
    ...overrides,
  };
}

/**
 * Waits until sshd has written a line matching `re` after the first `since`
 * characters of its log (it is written by several processes, a little late).
 */
export async function waitForLog(sshd: Sshd, re: RegExp, ms = 3000, since = 0): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (re.test(sshd.log().slice(since))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return re.test(sshd.log().slice(since));
}
