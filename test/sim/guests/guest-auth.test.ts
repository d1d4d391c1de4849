import { afterEach, describe, expect, it } from 'vitest';
import { type TestEmulator, withPfsenseUserKeys } from '../../../lib/sim/index.ts';
import { call, cloneGuest, connect, emulator, exec, newKey, sftp } from './guest-harness.ts';

/**
 * Who an emulated guest lets in, as the real templates would: the keys of
 * the VM's cloud-init `sshkeys` (URL-encoded, as Proxmox stores them) for the
 * cloud-init user (`ciuser`, else the template's default user); for pfSense,
 * the keys of its config.xml. Any other key, or another user, is refused.
 */

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

const refused = /All configured authentication methods failed/;

describe('emulated guests authenticate like the templates', () => {
  it('GIVEN a Debian clone with sshkeys and no ciuser WHEN clients log in THEN the template default user debian takes the key; other keys and root are refused', async () => {
    const emu = await emulator();
    running.push(emu);
    const key = newKey();
    const vm = await cloneGuest(emu, 'linux', 311, { keys: [key.public] });
    // Stored URL-encoded, as Proxmox keeps sshkeys.
    expect(emu.server.emulator.state.vms['311']!.config.sshkeys).toBe(encodeURIComponent(key.public));
    const { port, hostKeySha256 } = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    const client = await connect({
      port,
      username: 'debian',
      privateKey: key.private,
      fingerprint: hostKeySha256,
    });
    try {
      expect((await exec(client, 'whoami')).stdout).toBe('debian\n');
    } finally {
      client.end();
    }
    await expect(connect({ port, username: 'debian', privateKey: newKey().private })).rejects.toThrow(
      refused,
    );
    await expect(connect({ port, username: 'root', privateKey: key.private })).rejects.toThrow(refused);
    await expect(connect({ port, username: 'nobody', privateKey: key.private })).rejects.toThrow(refused);
  });

  it('GIVEN a Windows clone with a ciuser WHEN clients log in THEN that user takes the key and the template default Administrator does not', async () => {
    const emu = await emulator({ guests: { bootMs: { windows: 0 } } });
    running.push(emu);
    const key = newKey();
    const vm = await cloneGuest(emu, 'windows', 211, { user: 'pvecdk', keys: [key.public] });
    const { port } = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    const client = await connect({ port, username: 'pvecdk', privateKey: key.private });
    try {
      expect((await exec(client, 'whoami')).stdout.toLowerCase()).toMatch(/\\pvecdk\r\n$/);
    } finally {
      client.end();
    }
    await expect(connect({ port, username: 'Administrator', privateKey: key.private })).rejects.toThrow(
      refused,
    );
  });

  it('GIVEN a pfSense router WHEN its keys change THEN config.xml decides: a new sshkeys value is ignored, a key added to admin in config.xml works after the boot that writes it', async () => {
    const emu = await emulator();
    running.push(emu);
    const first = newKey();
    const vm = await cloneGuest(emu, 'pfsense', 411, { keys: [first.public], name: 'router' });
    const { port } = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    const client = await connect({ port, username: 'admin', privateKey: first.private });
    const config = (await exec(client, 'cat /cf/conf/config.xml')).stdout;
    client.end();
    // The key is in config.xml as pfSense's user editor stores it (base64 of the lines).
    expect(config).toContain(
      `<authorizedkeys>${Buffer.from(first.public).toString('base64')}</authorizedkeys>`,
    );

    // pfSense has no cloud-init: a later sshkeys change does nothing, also after a reboot.
    const second = newKey();
    await emu.api.setQemuConfig(vm.node, vm.vmid, {
      sshkeys: encodeURIComponent([first.public, second.public].join('\n')),
    });
    await emu.api.qemuPower(vm.node, vm.vmid, 'reboot');
    await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    await expect(connect({ port, username: 'admin', privateKey: second.private })).rejects.toThrow(refused);

    // Written into config.xml for admin, the key counts once pfSense boots and syncs its accounts.
    const admin = await connect({ port, username: 'admin', privateKey: first.private });
    const s = await sftp(admin);
    const next = withPfsenseUserKeys(config, 'admin', [second.public]);
    await call((cb) => s.writeFile('/cf/conf/config.xml', next, cb));
    s.end();
    admin.end();
    await emu.api.qemuPower(vm.node, vm.vmid, 'reboot');
    await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
    const viaConfig = await connect({ port, username: 'admin', privateKey: second.private });
    try {
      expect((await exec(viaConfig, 'cat /root/.ssh/authorized_keys')).stdout).toBe(
        `${first.public}\n${second.public}\n`,
      );
    } finally {
      viaConfig.end();
    }
    await expect(connect({ port, username: 'admin', privateKey: newKey().private })).rejects.toThrow(refused);
  });
});
