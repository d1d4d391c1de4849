import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForTask } from '../../../lib/pve/index.ts';
import { GuestFs, type TestEmulator } from '../../../lib/sim/index.ts';
import { call, cloneGuest, connect, emulator, exec, newKey, sftp } from './guest-harness.ts';

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

/** POSIX single-quoting: the one quoting that takes every byte literally. */
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function linuxGuest(dataDir?: string) {
  const emu = await emulator(dataDir ? { dataDir } : {});
  running.push(emu);
  const key = newKey();
  const vm = await cloneGuest(emu, 'linux', 301, { user: 'deploy', keys: [key.public], name: 'db-acme' });
  const endpoint = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
  const fs = () => new GuestFs(emu.server.emulator.state.vms['301']!.guest!.fs);
  const client = await connect({
    port: endpoint.port!,
    username: 'deploy',
    privateKey: key.private,
    fingerprint: endpoint.hostKeySha256,
  });
  return { emu, key, vm, endpoint, fs, client };
}

describe('emulated Linux guest over SSH', () => {
  it('GIVEN a booted Debian guest WHEN sh commands run THEN they change its file tree with bash semantics', async () => {
    const { client, fs } = await linuxGuest();
    try {
      const r = await exec(
        client,
        'set -eu; mkdir -p /tmp/app/conf && printf "%s\\n" "port=19813" > /tmp/app/conf/app.ini && chmod 0640 /tmp/app/conf/app.ini && test -f /tmp/app/conf/app.ini && cat /tmp/app/conf/app.ini',
      );
      expect(r).toEqual({ code: 0, stdout: 'port=19813\n', stderr: '' });
      expect(fs().readText('/tmp/app/conf/app.ini')).toBe('port=19813\n');
      expect(fs().stat('/tmp/app/conf/app.ini')).toMatchObject({ mode: 0o640, uid: 1000 });

      const sum = await exec(client, 'sha256sum /tmp/app/conf/app.ini');
      expect(sum.stdout).toBe(
        `${createHash('sha256').update('port=19813\n').digest('hex')}  /tmp/app/conf/app.ini\n`,
      );

      expect(
        await exec(
          client,
          'mv /tmp/app/conf/app.ini /tmp/app/app.ini && rm -f /tmp/app/nope && test ! -e /tmp/app/conf/app.ini',
        ),
      ).toMatchObject({ code: 0 });
      expect(fs().exists('/tmp/app/app.ini')).toBe(true);

      expect(await exec(client, 'frobnicate --all')).toEqual({
        code: 127,
        stdout: '',
        stderr: 'bash: line 1: frobnicate: command not found\n',
      });
      expect(await exec(client, 'set -e; false; echo not reached')).toEqual({
        code: 1,
        stdout: '',
        stderr: '',
      });
      expect(await exec(client, 'echo hi > /etc/motd')).toEqual({
        code: 1,
        stdout: '',
        stderr: 'bash: line 1: /etc/motd: Permission denied\n',
      });
      expect(await exec(client, "sudo -n sh -c 'echo hi > /etc/motd' && cat /etc/motd")).toEqual({
        code: 0,
        stdout: 'hi\n',
        stderr: '',
      });
      expect(await exec(client, 'cat /nonexistent')).toEqual({
        code: 1,
        stdout: '',
        stderr: 'cat: /nonexistent: No such file or directory\n',
      });
      // stdin reaches the command.
      expect(
        await exec(client, 'cat > /tmp/in.txt && cat /tmp/in.txt', { stdin: 'from stdin\n' }),
      ).toMatchObject({ code: 0, stdout: 'from stdin\n' });
    } finally {
      client.end();
    }
  });

  it('GIVEN hostile values WHEN single-quoted into a command THEN they round-trip byte for byte', async () => {
    const { client, fs } = await linuxGuest();
    const hostile = [
      "it's",
      '$(touch /tmp/pwned)',
      '`touch /tmp/pwned`',
      '"; rm -rf / #',
      'a\\b\\\\c',
      'line1\nline2',
      '  leading and trailing  ',
      '*',
      '~root',
      '$' + '{HOME}',
      "'''",
      '%s%d%%',
      '-n',
      'ünïcødé ✓',
    ];
    try {
      for (const [i, value] of hostile.entries()) {
        const r = await exec(client, `printf '%s' ${shq(value)} > /tmp/v${i} && cat /tmp/v${i}`);
        expect(r).toEqual({ code: 0, stdout: value, stderr: '' });
        expect(fs().readText(`/tmp/v${i}`)).toBe(value);
      }
      expect(fs().exists('/tmp/pwned')).toBe(false);
    } finally {
      client.end();
    }
  });

  it('GIVEN SFTP WHEN a file is uploaded to a temporary name then renamed over the target THEN the target is replaced atomically', async () => {
    const { client, fs } = await linuxGuest();
    try {
      await exec(client, 'mkdir -p /home/deploy/app && printf old > /home/deploy/app/config.json');
      const s = await sftp(client);
      const content = Buffer.from(JSON.stringify({ port: 19813, users: ['a', 'b'] }));
      await call((cb) => s.writeFile('/home/deploy/app/.config.json.tmp', content, { mode: 0o600 }, cb));
      expect(fs().readText('/home/deploy/app/config.json')).toBe('old');
      // Plain SFTPv3 RENAME refuses an existing target, as OpenSSH's sftp-server does.
      await expect(
        call((cb) => s.rename('/home/deploy/app/.config.json.tmp', '/home/deploy/app/config.json', cb)),
      ).rejects.toThrow();
      await call((cb) =>
        s.ext_openssh_rename('/home/deploy/app/.config.json.tmp', '/home/deploy/app/config.json', cb),
      );
      expect(fs().readFile('/home/deploy/app/config.json').equals(content)).toBe(true);
      expect(fs().exists('/home/deploy/app/.config.json.tmp')).toBe(false);
      const st = await call<{ size: number; mode: number }>((cb) =>
        s.stat('/home/deploy/app/config.json', cb),
      );
      expect(st.size).toBe(content.length);
      expect(st.mode & 0o777).toBe(0o600);
      const names = await call<Array<{ filename: string }>>((cb) => s.readdir('/home/deploy/app', cb));
      expect(names.map((n) => n.filename).filter((n) => !n.startsWith('.'))).toEqual(['config.json']);
      expect(
        (await call<Buffer>((cb) => s.readFile('/home/deploy/app/config.json', cb))).equals(content),
      ).toBe(true);
      await call((cb) => s.unlink('/home/deploy/app/config.json', cb));
      expect(fs().exists('/home/deploy/app/config.json')).toBe(false);
      await expect(call((cb) => s.writeFile('/etc/not-mine', 'x', cb))).rejects.toThrow(/Permission denied/);
      s.end();
    } finally {
      client.end();
    }
  });

  it('GIVEN a snapshot WHEN the guest changes and the VM rolls back THEN the guest files are as they were at the snapshot', async () => {
    const { emu, vm, client, key, fs } = await linuxGuest();
    try {
      await exec(client, 'printf v1 > /home/deploy/state.txt');
      await emu.api.createSnapshot(vm.node, vm.vmid, 'pvecdk-before', 'before the change');
      await exec(client, 'printf v2 > /home/deploy/state.txt && touch /home/deploy/new.txt');
      expect(fs().readText('/home/deploy/state.txt')).toBe('v2');
    } finally {
      client.end();
    }
    await emu.api.rollbackSnapshot(vm.node, vm.vmid, 'pvecdk-before');
    expect(fs().readText('/home/deploy/state.txt')).toBe('v1');
    expect(fs().exists('/home/deploy/new.txt')).toBe(false);
    // Rollback without RAM leaves the VM stopped; started again, the guest still holds the snapshot's files.
    await emu.api.qemuPower(vm.node, vm.vmid, 'start');
    const endpoint = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    const again = await connect({
      port: endpoint.port!,
      username: 'deploy',
      privateKey: key.private,
      fingerprint: endpoint.hostKeySha256,
    });
    expect((await exec(again, 'cat /home/deploy/state.txt')).stdout).toBe('v1');
    again.end();
  });

  it('GIVEN a running guest WHEN it rolls back with start=1 THEN it boots again on its port with the snapshot\u2019s files, and a deleted snapshot keeps the guest as it is', async () => {
    const { emu, vm, client, key, endpoint, fs } = await linuxGuest();
    try {
      await exec(client, 'printf before > /home/deploy/state.txt');
      await emu.api.createSnapshot(vm.node, vm.vmid, 'pvecdk-1', '');
      await exec(client, 'printf after > /home/deploy/state.txt');
    } finally {
      client.end();
    }
    const upid = (await emu.client.post(`/nodes/${vm.node}/qemu/${vm.vmid}/snapshot/pvecdk-1/rollback`, {
      start: 1,
    })) as string;
    const boots = emu.server.emulator.state.vms[String(vm.vmid)]!.guest!.bootCount;
    await waitForTask(emu.client, upid, { pollMs: 2 });
    // The disk was replaced under the running VM (the snapshot's copy): its guest boots again, on its port.
    const up = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    expect(up).toEqual(endpoint);
    expect(emu.server.emulator.state.vms[String(vm.vmid)]!.guest!.bootCount).toBe(boots + 1);
    const again = await connect({ port: up.port, username: 'deploy', privateKey: key.private });
    try {
      expect((await exec(again, 'cat /home/deploy/state.txt')).stdout).toBe('before');
    } finally {
      again.end();
    }
    await emu.api.deleteSnapshot(vm.node, vm.vmid, 'pvecdk-1');
    expect(fs().readText('/home/deploy/state.txt')).toBe('before');
    expect(emu.server.guests.endpoint(vm.vmid)?.state).toBe('up');
  });

  it('GIVEN a new key in the VM\u2019s cloud-init config WHEN the VM reboots THEN cloud-init installs it (and not before)', async () => {
    const { emu, vm, client } = await linuxGuest();
    client.end();
    const second = newKey();
    const first = emu.server.emulator.state.vms['301']!.config.sshkeys as string;
    await emu.api.setQemuConfig(vm.node, vm.vmid, {
      sshkeys: encodeURIComponent(`${decodeURIComponent(first)}\n${second.public}`),
    });
    const endpoint = emu.server.guests.endpoint(vm.vmid)!;
    await expect(
      connect({ port: endpoint.port!, username: 'deploy', privateKey: second.private }),
    ).rejects.toThrow(/authentication methods failed/);
    await emu.api.qemuPower(vm.node, vm.vmid, 'reboot');
    const after = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    expect(after.hostKeySha256).toBe(endpoint.hostKeySha256);
    const client2 = await connect({
      port: after.port!,
      username: 'deploy',
      privateKey: second.private,
      fingerprint: after.hostKeySha256,
    });
    expect((await exec(client2, 'whoami')).stdout).toBe('deploy\n');
    client2.end();
  });

  it('GIVEN a guest whose host key is unusable WHEN its VM starts THEN its port keeps refusing, the failed boot is named and the emulator goes on', async () => {
    const emu = await emulator();
    running.push(emu);
    const vm = await cloneGuest(emu, 'linux', 302, { start: false });
    emu.server.emulator.state.vms['302']!.guest!.hostKey = 'not a key';
    await emu.api.qemuPower(vm.node, vm.vmid, 'start');
    await expect(emu.server.guests.waitUntilUp(vm.vmid, 5_000)).rejects.toThrow(
      /failed to boot: Cannot parse privateKey/,
    );
    expect(emu.server.guests.endpoint(vm.vmid)).toMatchObject({ state: 'booting' });
    expect(emu.server.guests.bootError(vm.vmid)).toMatch(/Cannot parse privateKey/);
    expect((await emu.api.qemuStatus(vm.node, vm.vmid)).status).toBe('running');
  });

  it('GIVEN a changed guest WHEN the emulator restarts on the same data dir THEN the running VM boots again with its files and host key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pvecdk-guest-'));
    const first = await linuxGuest(dataDir);
    await exec(first.client, 'printf kept > /home/deploy/kept.txt');
    first.client.end();
    const fingerprint = first.endpoint.hostKeySha256;
    await first.emu.close();
    running.splice(running.indexOf(first.emu), 1);

    const emu = await emulator({ dataDir });
    running.push(emu);
    const endpoint = await emu.server.guests.waitUntilUp(301, 5_000);
    expect(endpoint.hostKeySha256).toBe(fingerprint);
    const client = await connect({
      port: endpoint.port!,
      username: 'deploy',
      privateKey: first.key.private,
      fingerprint,
    });
    try {
      expect((await exec(client, 'cat /home/deploy/kept.txt')).stdout).toBe('kept');
    } finally {
      client.end();
    }
  });
});
