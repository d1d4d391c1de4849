import { connect as tcpConnect } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestEmulator } from '../../../lib/sim/index.ts';
import { cloneGuest, connect, emulator, exec, newKey } from './guest-harness.ts';

/**
 * The published guest endpoints: GET /pvecdk-sim/guests on the emulator's
 * HTTPS port (root token) and RunningEmulator.guestEndpoints() in process,
 * one shape for both, running VMs only.
 */

const running: TestEmulator[] = [];
const dispatchers: Agent[] = [];
afterEach(async () => {
  while (dispatchers.length) await dispatchers.pop()!.close();
  while (running.length) await running.pop()!.close();
});

async function admin(
  emu: TestEmulator,
  path: string,
  options: { method?: 'GET' | 'POST'; token?: string } = {},
) {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  dispatchers.push(dispatcher);
  const res = await request(`${emu.server.url}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      authorization: options.token ?? `PVEAPIToken=${emu.server.tokenId}=${emu.server.tokenSecret}`,
    },
    dispatcher,
  });
  return { status: res.statusCode, body: (await res.body.json()) as { data?: unknown; error?: string } };
}

/** What a TCP client sees on a port: a connection that stays open, or the error that ended it. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('open');
    }, 2_000);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? e.message);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

describe('guest endpoints', () => {
  it('GIVEN a guest still booting and one up WHEN the endpoints are read over HTTPS and in process THEN both list them in one shape, the booting port refuses and the up one answers with the published host key', async () => {
    // Windows takes "forever" to boot here, Debian at once.
    const emu = await emulator({ guests: { bootMs: { windows: 1e9, linux: 0 } } });
    running.push(emu);
    const key = newKey();
    await cloneGuest(emu, 'windows', 221, { keys: [key.public] });
    await cloneGuest(emu, 'linux', 321, { user: 'deploy', keys: [key.public] });
    const up = await emu.server.guests.waitUntilUp(321, 5_000);

    const listed = await admin(emu, '/pvecdk-sim/guests');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ data: emu.server.guestEndpoints() });
    const [windows, linux] = emu.server.guestEndpoints();
    expect(windows).toEqual({
      node: 'pve1',
      vmid: 221,
      kind: 'windows',
      host: '127.0.0.1',
      port: expect.any(Number),
      hostKeySha256: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/),
      state: 'booting',
    });
    expect(linux).toEqual({ ...up, state: 'up' });
    expect(Object.keys(linux!).sort()).toEqual([
      'host',
      'hostKeySha256',
      'kind',
      'node',
      'port',
      'state',
      'vmid',
    ]);
    expect(await admin(emu, '/pvecdk-sim/guests/321')).toEqual({ status: 200, body: { data: linux } });

    // Nothing listens inside a booting guest: the connection is refused at once, never left hanging.
    expect(await probe(windows!.port)).toMatch(/^(ECONNRESET|ECONNREFUSED|closed)$/);
    const client = await connect({
      port: linux!.port,
      username: 'deploy',
      privateKey: key.private,
      fingerprint: linux!.hostKeySha256,
    });
    try {
      expect(client.seenFingerprint).toBe(linux!.hostKeySha256);
      expect((await exec(client, 'whoami')).stdout).toBe('deploy\n');
    } finally {
      client.end();
    }
  });

  it('GIVEN a running guest WHEN its VM reboots, then stops THEN the reboot keeps its port and host key, and the stopped VM has no endpoint and a refused port', async () => {
    const emu = await emulator({ guests: { bootMs: { linux: 0 } } });
    running.push(emu);
    const key = newKey();
    const vm = await cloneGuest(emu, 'linux', 322, { user: 'deploy', keys: [key.public] });
    const before = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    await emu.api.qemuPower(vm.node, vm.vmid, 'reboot');
    const after = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    expect(after).toEqual(before);

    await emu.api.qemuPower(vm.node, vm.vmid, 'stop');
    expect(emu.server.guestEndpoints()).toEqual([]);
    expect(await admin(emu, '/pvecdk-sim/guests')).toEqual({ status: 200, body: { data: [] } });
    const missing = await admin(emu, '/pvecdk-sim/guests/322');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/VM 322 has no running emulated guest/);
    expect(await probe(before.port)).toMatch(/^(ECONNREFUSED|ECONNRESET|closed)$/);

    // Started again, the guest keeps its host key (its disk), on a port of its own.
    await emu.api.qemuPower(vm.node, vm.vmid, 'start');
    const again = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    expect(again.hostKeySha256).toBe(before.hostKeySha256);
  });

  it('GIVEN the admin route WHEN called without the root token or with another method THEN it is refused', async () => {
    const emu = await emulator();
    running.push(emu);
    expect(
      (await admin(emu, '/pvecdk-sim/guests', { token: 'PVEAPIToken=root@pam!pvecdk=wrong' })).status,
    ).toBe(401);
    expect((await admin(emu, '/pvecdk-sim/guests', { method: 'POST' })).status).toBe(405);
    // A fresh cluster runs no guest VM: the list is empty, not missing.
    expect(await admin(emu, '/pvecdk-sim/guests')).toEqual({ status: 200, body: { data: [] } });
  });
});
