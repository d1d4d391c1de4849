import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, SecretValue, Stack } from '../../../lib/core/index.ts';
import { writeAssembly } from '../../../lib/core/synthesizer.ts';
import { type DeployOptions, deployStacks } from '../../../lib/engine/deploy.ts';
import type { GuestTransport } from '../../../lib/engine/guest/guest-transport.ts';
import { SshGuestTransport } from '../../../lib/engine/guest/ssh-guest-transport.ts';
import { loadAssembly } from '../../../lib/engine/plan-loader.ts';
import { SecretStore } from '../../../lib/engine/secrets/secret-store.ts';
import { StateStore } from '../../../lib/engine/state-store.ts';
import { GuestCommand, GuestFile, VirtualEnvironmentVm } from '../../../lib/resources/index.ts';
import { startTestEmulator, type TestEmulator } from '../../../lib/sim/index.ts';
import { type Sshd, skipWithoutSshd, startSshd } from '../../ssh/sshd-fixture.ts';

/** Records what handlers do in the guest: every exec by its label, every upload by its path. */
function recording(inner: GuestTransport, log: string[]): GuestTransport {
  const wrap = (t: GuestTransport): GuestTransport => ({
    session: async (address, requester) => {
      const s = await t.session(address, requester);
      return {
        description: s.description,
        dialect: s.dialect,
        exec: (command, options) => {
          log.push(`exec ${options.label}`);
          return s.exec(command, options);
        },
        upload: (path, data, options) => {
          log.push(`upload ${path}`);
          return s.upload(path, data, options);
        },
        download: (path, options) => s.download(path, options),
        ...(s.stat ? { stat: (path: string) => s.stat!(path) } : {}),
      };
    },
    close: () => t.close(),
    forStack: (trust) => wrap(t.forStack!(trust)),
  });
  return wrap(inner);
}

/** What changes a guest: anything but reading a file and running a check. */
const changing = (log: readonly string[]) => log.filter((l) => l !== 'exec run the check');

describe.skipIf(skipWithoutSshd)('guest file and command handlers against OpenSSH and /bin/sh', () => {
  let sshd: Sshd;
  let emulator: TestEmulator;
  let stateDir: string;
  let guestDir: string;
  let keyFile: string;

  beforeAll(async () => {
    sshd = await startSshd();
    emulator = await startTestEmulator();
    stateDir = mkdtempSync(join(tmpdir(), 'pvecdk-state-'));
    guestDir = mkdtempSync(join(tmpdir(), 'pvecdk-guest-'));
    keyFile = join(stateDir, 'guest-key');
    writeFileSync(keyFile, sshd.client.privateKey, { mode: 0o600 });
  });
  afterAll(async () => {
    await emulator?.close();
    await sshd?.stop();
    rmSync(guestDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** A VM in the emulator (for its lock and snapshots) whose guest is the test's sshd. */
  function plans(p: { content: string; version: string; dropOnce?: boolean }) {
    const app = new App();
    const lab = new Stack(app, 'lab');
    const vm = new VirtualEnvironmentVm(lab, 'Vm', {
      nodeName: 'pve1',
      vmId: 4300,
      clone: { vmId: 9002 },
      started: true,
    });
    const target = {
      vmId: vm.vmId,
      nodeName: vm.nodeName,
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.user,
      dialect: 'sh' as const,
      privateKey: SecretValue.file(keyFile),
    };
    new GuestFile(lab, 'Motd', {
      target,
      path: join(guestDir, 'etc', 'motd'),
      content: p.content,
      mode: '0600',
    });
    const marker = join(guestDir, 'converged');
    const half = join(guestDir, 'half-done');
    new GuestCommand(lab, 'Converge', {
      target,
      // Half the work, then (once) the connection drops; run again, it finishes.
      command: [
        `echo run >> ${join(guestDir, 'converge.log')}`,
        p.dropOnce ? `if [ ! -f ${half} ]; then touch ${half}; kill -9 $PPID; sleep 5; fi` : ':',
        `touch ${marker}`,
      ].join('\n'),
      check: `test -f ${marker}`,
    });
    new GuestCommand(lab, 'Once', {
      target,
      command: `echo once >> ${join(guestDir, 'once.log')}`,
      triggers: { version: p.version },
    });
    const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
    writeAssembly(app.synth({ write: false }), outdir);
    return loadAssembly(outdir);
  }

  async function deploy(p: Parameters<typeof plans>[0], overrides: Partial<DeployOptions> = {}) {
    const secrets = new SecretStore(stateDir, 'default');
    const log: string[] = [];
    const notes: string[] = [];
    const transport = new SshGuestTransport({ secrets });
    try {
      const report = await deployStacks({
        assembly: plans(p),
        targets: ['lab'],
        api: emulator.api,
        stateDir,
        remote: 'default',
        concurrency: 4,
        secrets,
        guests: recording(transport, log),
        retry: { attempts: 3, baseMs: 5, maxMs: 20 },
        onWarning: (m) => notes.push(m),
        ...overrides,
      });
      return { report, log, notes };
    } finally {
      await transport.close();
    }
  }

  const lines = (file: string) =>
    existsSync(join(guestDir, file)) ? readFileSync(join(guestDir, file), 'utf8').trim().split('\n') : [];
  const motdPath = () => join(guestDir, 'etc', 'motd');

  it('GIVEN a fresh guest WHEN deployed THEN the file is uploaded with its mode, the commands run once, and the host key is recorded in state on first use', async () => {
    const { report, notes } = await deploy({ content: 'hello\n', version: '1', dropOnce: true });
    expect(report.resources.filter((r) => r.status === 'failed')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(readFileSync(motdPath(), 'utf8')).toBe('hello\n');
    expect(statSync(motdPath()).mode & 0o777).toBe(0o600);
    // The dropped connection was retried, and the command's second run finished the work.
    expect(lines('converge.log')).toEqual(['run', 'run']);
    expect(existsSync(join(guestDir, 'converged'))).toBe(true);
    expect(lines('once.log')).toEqual(['once']);
    const state = StateStore.open(stateDir, 'default', 'lab').state;
    expect(state.guestHostKeys?.['pve1/4300']?.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(notes.join('\n')).toContain('trusting the host key');
    expect(JSON.stringify(state)).not.toContain(sshd.client.privateKey.split('\n')[1]!);
  });

  it('GIVEN nothing changed WHEN deployed again THEN every guest resource is unchanged and no changing command runs', async () => {
    const { report, log } = await deploy({ content: 'hello\n', version: '1', dropOnce: true });
    expect(report.ok).toBe(true);
    expect(report.resources.map((r) => [r.path, r.action])).toEqual(
      expect.arrayContaining([
        ['lab/Motd', 'no-op'],
        ['lab/Converge', 'no-op'],
        ['lab/Once', 'no-op'],
      ]),
    );
    expect(changing(log)).toEqual([]);
    expect(lines('once.log')).toEqual(['once']);
  });

  it('GIVEN drift made by hand in the guest WHEN diffed THEN it shows at property level; WHEN deployed THEN it is repaired', async () => {
    writeFileSync(motdPath(), 'edited by hand\n');
    chmodSync(motdPath(), 0o644);
    rmSync(join(guestDir, 'converged'));
    const diff = await deploy({ content: 'hello\n', version: '1' }, { dryRun: true });
    const byPath = new Map(diff.report.resources.map((r) => [r.path, r]));
    expect(byPath.get('lab/Motd')?.changes).toEqual([
      expect.objectContaining({ key: 'content', from: 'edited by hand\n', to: 'hello\n' }),
      expect.objectContaining({ key: 'mode', from: '0644', to: '0600' }),
    ]);
    expect(byPath.get('lab/Converge')?.changes).toEqual([
      expect.objectContaining({ key: 'check', from: 'exits 1', to: 'exits 0' }),
    ]);
    expect(changing(diff.log)).toEqual([]);

    const { report } = await deploy({ content: 'hello\n', version: '1' });
    expect(report.ok).toBe(true);
    expect(readFileSync(motdPath(), 'utf8')).toBe('hello\n');
    expect(statSync(motdPath()).mode & 0o777).toBe(0o600);
    expect(existsSync(join(guestDir, 'converged'))).toBe(true);
    expect(lines('once.log')).toEqual(['once']);
  });

  it('GIVEN a trigger value changed WHEN deployed THEN only that command runs again', async () => {
    const { report, log } = await deploy({ content: 'hello\n', version: '2' });
    expect(report.ok).toBe(true);
    expect(report.resources.find((r) => r.path === 'lab/Once')?.changes).toEqual([
      expect.objectContaining({ key: 'triggers.version', from: '1', to: '2' }),
    ]);
    expect(changing(log)).toEqual(['exec run the command']);
    expect(lines('once.log')).toEqual(['once', 'once']);
  });

  it('GIVEN a command that fails WHEN deployed THEN the resource fails with the exit code and the tail of stderr', async () => {
    const app = new App();
    const lab = new Stack(app, 'broken');
    new GuestCommand(lab, 'Fails', {
      target: {
        vmId: 4300,
        nodeName: 'pve1',
        host: '127.0.0.1',
        port: sshd.port,
        username: sshd.user,
        dialect: 'sh',
        privateKey: SecretValue.file(keyFile),
      },
      command: 'echo "first line" >&2; echo "disk is on fire" >&2; exit 7',
    });
    const outdir = mkdtempSync(join(tmpdir(), 'pvecdk-plans-'));
    writeAssembly(app.synth({ write: false }), outdir);
    const secrets = new SecretStore(stateDir, 'default');
    const transport = new SshGuestTransport({ secrets });
    try {
      const report = await deployStacks({
        assembly: loadAssembly(outdir),
        targets: ['broken'],
        api: emulator.api,
        stateDir,
        remote: 'default',
        concurrency: 1,
        secrets,
        guests: transport,
        retry: { attempts: 1, baseMs: 1, maxMs: 1 },
      });
      const failed = report.resources.find((r) => r.path === 'broken/Fails');
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed?.errorCode).toBe('SSH_COMMAND_FAILED');
      expect(failed?.error).toContain('broken/Fails: ssh ');
      expect(failed?.error).toContain('run the command: exited with code 7');
      expect(failed?.error).toContain('disk is on fire');
    } finally {
      await transport.close();
    }
  });
});
