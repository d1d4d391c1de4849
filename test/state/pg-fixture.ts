/**
 * A real PostgreSQL for tests: Debian's postgresql package (initdb and postgres
 * from /usr/lib/postgresql/<version>/bin, or PATH), one server per test file on
 * 127.0.0.1 and a free port, its data and socket in a temporary folder, run as
 * an unprivileged user (as `postgres`, or `nobody`, via runuser when the tests
 * run as root). A missing PostgreSQL fails loudly: .ci/run installs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

function findBin(): string {
  const fromEnv = process.env.PVECDK_TEST_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  throw new Error(
    'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres, no initdb on PATH): the pg state backend tests need it; .ci/run installs Debian\'s "postgresql" package, or: apt-get install postgresql',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The unprivileged user postgres runs as when the tests run as root. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { name, uid, gid };
    } catch {
      // No such user: try the next.
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

export interface TestPostgres {
  /** A URL of a new, empty database on the server (user pvecdk, with its password). */
  newDatabase(): Promise<string>;
  /** The password in every URL: tests check it is never printed. */
  readonly password: string;
  /** Stops the server (fast shutdown: sessions are ended) and keeps its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findBin();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`);
  if (user) {
    chmodSync(dir, 0o700);
    chownSync(dir, user.uid, user.gid);
    chownSync(join(dir, 'pwfile'), user.uid, user.gid);
  }
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    user ? ['runuser', ['-u', user.name, '--', cmd, ...args]] : [cmd, args];
  const [initCmd, initArgs] = asUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'pvecdk',
    '-A',
    'scram-sha-256',
    `--pwfile=${join(dir, 'pwfile')}`,
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await freePort();
  let server: ChildProcess | undefined;
  let databases = 0;
  const url = (db: string) => `postgresql://pvecdk:${password}@127.0.0.1:${port}/${db}`;

  const start = async () => {
    const [cmd, args] = asUser(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=60',
    ]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    server = child;
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${log}`);
      const client = new pg.Client({ connectionString: url('postgres') });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await sleep(100);
      }
    }
    throw new Error(`postgres did not answer within 20 s: ${log}`);
  };

  const stop = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Fast shutdown: sessions are ended, the data kept.
    const [cmd, args] = asUser(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']);
    try {
      execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    } catch {
      child.kill('SIGKILL');
    }
    await Promise.race([exited, sleep(15_000)]);
  };

  await start();
  return {
    password,
    newDatabase: async () => {
      databases += 1;
      const name = `t${databases}`;
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
