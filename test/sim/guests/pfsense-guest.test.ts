import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { renderFilterRules } from '../../../lib/render/index.ts';
import {
  GuestFs,
  PFSENSE_DEFAULT_CONFIG,
  type TestEmulator,
  withPfsenseUserKeys,
} from '../../../lib/sim/index.ts';
import { call, cloneGuest, connect, emulator, exec, newKey, sftp } from './guest-harness.ts';

const running: TestEmulator[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function pfsenseGuest() {
  const emu = await emulator();
  running.push(emu);
  const key = newKey();
  const vm = await cloneGuest(emu, 'pfsense', 401, { keys: [key.public], name: 'router' });
  const endpoint = await emu.server.guests.waitUntilUp(vm.vmid, 5_000);
  const guest = () => emu.server.emulator.state.vms['401']!.guest!;
  const client = await connect({
    port: endpoint.port!,
    username: 'admin',
    privateKey: key.private,
    fingerprint: endpoint.hostKeySha256,
  });
  return { emu, key, endpoint, guest, client, fs: () => new GuestFs(guest().fs) };
}

/** config.xml with the `<filter>` section replaced by a rendered one, as the engine merges sections. */
function withFilter(config: string, filter: string): string {
  return config.replace(/<filter>[\s\S]*<\/filter>/, filter.replace(/\n/g, '\n  '));
}

describe('emulated pfSense guest over SSH', () => {
  it('GIVEN a router cloned from the pfSense template WHEN a new config.xml is uploaded and applied THEN the reload uses it only once /tmp/config.cache is removed', async () => {
    const { client, guest, fs, key } = await pfsenseGuest();
    try {
      expect(guest().kind).toBe('pfsense');
      // The template's config.xml, with the VM's key for admin as a real template would carry it.
      const booted = withPfsenseUserKeys(PFSENSE_DEFAULT_CONFIG, 'admin', [key.public]);
      expect((await exec(client, 'cat /conf/config.xml')).stdout).toBe(booted);
      const rules = renderFilterRules([
        {
          interface: 'openvpn',
          type: 'pass',
          protocol: 'tcp',
          source: '10.8.0.0/24',
          destination: '10.20.0.10',
          destinationPort: '3389',
          description: 'VPN to RDS',
        },
      ]);
      const next = withFilter(booted, rules);
      const s = await sftp(client);
      await call((cb) => s.writeFile('/cf/conf/config.xml.pvecdk', next, cb));
      await call((cb) => s.ext_openssh_rename('/cf/conf/config.xml.pvecdk', '/cf/conf/config.xml', cb));
      s.end();

      // The cache from boot still holds the old config: a reload without removing it applies nothing new.
      expect(await exec(client, '/etc/rc.filter_configure')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(guest().pfsense!.reloads.at(-1)).toMatchObject({
        what: 'filter',
        ok: true,
        fromCache: true,
        configSha256: sha(booted),
      });

      expect(await exec(client, 'rm -f /tmp/config.cache && /etc/rc.filter_configure')).toMatchObject({
        code: 0,
      });
      expect(guest().pfsense!.reloads.at(-1)).toMatchObject({
        what: 'filter',
        ok: true,
        fromCache: false,
        configSha256: sha(next),
      });
      expect(fs().readText('/tmp/config.cache')).toBe(next);

      expect(
        await exec(client, 'rm -f /tmp/config.cache; /usr/local/sbin/pfSsh.php playback svc restart openvpn'),
      ).toMatchObject({ code: 0 });
      expect(guest().pfsense!.reloads.at(-1)).toMatchObject({
        what: 'openvpn',
        ok: true,
        configSha256: sha(next),
      });
    } finally {
      client.end();
    }
  });

  it('GIVEN a config.xml that is not XML WHEN reloaded THEN the reload fails, pfSense puts back the last backup and logs why', async () => {
    const { client, guest, fs } = await pfsenseGuest();
    try {
      await exec(client, "printf '%s' '<pfsense><filter><rule></filter></pfsense>' > /cf/conf/config.xml");
      const r = await exec(client, 'rm -f /tmp/config.cache && /etc/rc.reload_all');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^XML error: .+ at line 1 in \/cf\/conf\/config\.xml\n/);
      expect(r.stderr).toContain(
        'Restoring last known good config from /cf/conf/backup/config-1700000000.xml',
      );
      expect(fs().readText('/cf/conf/config.xml')).toBe(PFSENSE_DEFAULT_CONFIG);
      expect(guest().pfsense!.reloads.at(-1)).toMatchObject({ what: 'all', ok: false });
      expect(fs().readText('/var/log/system.log')).toContain('XML error');

      // A well-formed document without the <pfsense> root is refused as well.
      await exec(client, "printf '%s' '<opnsense/>' > /cf/conf/config.xml");
      const noRoot = await exec(client, 'rm -f /tmp/config.cache; /etc/rc.reload_all');
      expect(noRoot.code).toBe(1);
      expect(noRoot.stderr).toContain('XML error: no pfsense object found!');
    } finally {
      client.end();
    }
  });

  it('GIVEN the FreeBSD shell WHEN a command does not exist THEN it answers as sh does there', async () => {
    const { client } = await pfsenseGuest();
    try {
      expect(await exec(client, 'frobnicate')).toEqual({
        code: 127,
        stdout: '',
        stderr: 'sh: frobnicate: not found\n',
      });
      expect(await exec(client, '/usr/local/sbin/pfSsh.php playback svc restart nosuchd')).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Could not find service nosuchd\n',
      });
      expect((await exec(client, 'uname -s; cat /etc/version')).stdout).toBe('FreeBSD\n2.7.2-RELEASE\n');
    } finally {
      client.end();
    }
  });
});
