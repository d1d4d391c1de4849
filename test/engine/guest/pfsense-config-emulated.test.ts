import { createHash } from 'node:crypto';
import type { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { applyWithSafetySnapshot } from '../../../lib/engine/critical-change.ts';
import type { GuestSession } from '../../../lib/engine/guest/guest-transport.ts';
import type { HandlerContext } from '../../../lib/engine/handlers/handler.ts';
import { pfsenseConfigHandler } from '../../../lib/engine/handlers/pfsense-config-handler.ts';
import { GuestFs, type TestEmulator } from '../../../lib/sim/index.ts';
import { call, cloneGuest, connect, emulator, exec, newKey, sftp } from '../../sim/guests/guest-harness.ts';
import { desired } from '../handler-fixture.ts';
import { routerSections, vpnRule } from './pfsense-fixture.ts';

/**
 * The pfSense config handler against the emulator's pfSense guest, over
 * SSH, with real Proxmox snapshots around each change: the guest's files
 * are what a snapshot captures and a rollback puts back.
 */

const SECRETS: Record<string, string> = {
  'generated:vpn/ca.crt': '-----BEGIN CERTIFICATE-----\nCAcert0123456789\n-----END CERTIFICATE-----\n',
  'generated:vpn/ca.key': '-----BEGIN PRIVATE KEY-----\nCAkey0123456789abcdef\n-----END PRIVATE KEY-----\n',
  'generated:vpn/server.crt': '-----BEGIN CERTIFICATE-----\nSRVcert0123456789\n-----END CERTIFICATE-----\n',
  'generated:vpn/server.key':
    '-----BEGIN PRIVATE KEY-----\nSRVkey0123456789abcdef\n-----END PRIVATE KEY-----\n',
  'generated:vpn/tls-crypt.key':
    '-----BEGIN OpenVPN Static key V1-----\nTLSkey0123456789\n-----END OpenVPN Static key V1-----\n',
};

function sections() {
  return routerSections({
    interfaces: [
      { key: 'wan', device: 'vtnet0', description: 'WAN', address: 'dhcp', blockPrivate: true },
      { key: 'lan', device: 'vtnet1', description: 'LAN', address: '10.20.0.1', prefix: 16 },
      { key: 'opt1', device: 'vtnet2', description: 'DMZ', address: '10.30.0.1', prefix: 24 },
    ],
    rules: [vpnRule('VPN clients to the RDS host')],
  });
}

const VMID = 401;
const PATH = 'platform/Router/Config';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const running: Array<{ emu: TestEmulator; client: Client }> = [];
afterEach(async () => {
  while (running.length) {
    const { emu, client } = running.pop()!;
    client.end();
    await emu.close();
  }
});

/** A GuestSession over one ssh2 client, as a transport hands handlers; it counts the commands run. */
function sessionOver(client: Client, execs: string[]): GuestSession {
  return {
    description: `admin@127.0.0.1 (VM ${VMID})`,
    dialect: 'pfsense',
    exec: async (command, options) => {
      execs.push(options.label);
      const r = await exec(client, command, {
        ...(options.stdin !== undefined ? { stdin: Buffer.from(options.stdin) } : {}),
        timeoutMs: 20_000,
      });
      if (r.code !== 0 && !options.allowFailure) throw new TypeError(`${options.label}: ${r.stderr}`);
      return {
        code: r.code,
        signal: undefined,
        stdout: r.stdout,
        stderr: r.stderr,
        stdoutBuffer: Buffer.from(r.stdout),
        stderrBuffer: Buffer.from(r.stderr),
      };
    },
    upload: async () => {
      throw new TypeError('not used by the pfSense handler');
    },
    download: async (path) => {
      const s = await sftp(client);
      try {
        return await call<Buffer>((cb) => s.readFile(path, cb));
      } catch (e) {
        if ((e as { code?: number }).code === 2) return undefined;
        throw e;
      } finally {
        s.end();
      }
    },
  };
}

async function router() {
  const emu = await emulator();
  const key = newKey();
  await cloneGuest(emu, 'pfsense', VMID, { keys: [key.public], name: 'fw' });
  const endpoint = await emu.server.guests.waitUntilUp(VMID, 5_000);
  const client = await connect({
    port: endpoint.port!,
    username: 'admin',
    privateKey: key.private,
    fingerprint: endpoint.hostKeySha256,
  });
  running.push({ emu, client });
  const execs: string[] = [];
  const session = sessionOver(client, execs);
  const base = {
    api: emu.api,
    stack: 'platform',
    secrets: { resolve: (ref: string) => SECRETS[ref] ?? '' },
    guests: { session: async () => session, close: async () => {} },
  };
  // The inventory as a deploy reads it first: the handler reads only a running router.
  const context = async (): Promise<HandlerContext> => ({
    ...base,
    inventory: await emu.api.clusterResources(),
  });
  const guest = () => emu.server.emulator.state.vms[String(VMID)]!.guest!;
  const fs = () => new GuestFs(guest().fs);
  const resource = desired(pfsenseConfigHandler, PATH, {
    target: {
      vm_id: VMID,
      node_name: 'pve1',
      host: '127.0.0.1',
      username: 'admin',
      dialect: 'pfsense',
      private_key: { secret: 'generated:ssh/guest_ed25519' },
    },
    sections: sections(),
    secrets: Object.keys(SECRETS),
  });
  const deploy = async () => {
    const ctx = await context();
    const observed = await pfsenseConfigHandler.read(ctx, resource);
    const change = pfsenseConfigHandler.diff(resource, observed, undefined);
    if (change.action !== 'no-op')
      await applyWithSafetySnapshot(ctx, pfsenseConfigHandler, resource, change, observed, {
        critical: true,
      });
    return change;
  };
  return { emu, client, execs, guest, fs, deploy, session };
}

describe('pvecdk_pfsense_config on the emulated pfSense router', () => {
  it('GIVEN a router cloned from the pfSense template WHEN deployed twice THEN pfSense loads the merged config with no warning, its own rule stays, and the second run changes nothing', async () => {
    const { emu, execs, guest, fs, deploy } = await router();
    const template = fs().readText('/cf/conf/config.xml');
    const ownRule = /<rule>[\s\S]*?Default allow LAN to any rule[\s\S]*?<\/rule>/.exec(template)![0];

    expect((await deploy()).action).toBe('update');

    const config = fs().readText('/cf/conf/config.xml');
    expect(config).toContain(ownRule);
    expect(config).toContain('<descr>pvecdk: VPN clients to the RDS host</descr>');
    expect(config).not.toContain('{{secret:');
    const reload = guest().pfsense!.reloads.at(-1)!;
    expect(reload).toMatchObject({ what: 'all', ok: true, fromCache: false, configSha256: sha(config) });
    expect(reload.detail).toBeUndefined();
    expect(
      fs()
        .readdir('/cf/conf/backup')
        .some((n) => fs().readText(`/cf/conf/backup/${n}`) === template),
    ).toBe(true);
    expect((await emu.api.snapshots('pve1', VMID)).map((s) => s.name)).toContainEqual(
      expect.stringMatching(/^pvecdk-[0-9a-f]{8}-\d{8}-\d{6}-\d{3}$/),
    );

    const before = execs.length;
    expect((await deploy()).action).toBe('no-op');
    expect(execs.length).toBe(before);
  });

  it('GIVEN a rule edited by hand on the router WHEN diffed THEN the field shows and a deploy repairs it', async () => {
    const { client, deploy, fs } = await router();
    await deploy();
    const good = fs().readText('/cf/conf/config.xml');
    const edited = good.replace('<port>3389</port>', '<port>3390</port>');
    const s = await sftp(client);
    await call((cb) => s.writeFile('/cf/conf/config.xml', edited, cb));
    s.end();

    const change = await deploy();

    expect(change.changes.map((c) => [c.key, c.from, c.to])).toEqual([
      ['sections.filter.rule[pvecdk: VPN clients to the RDS host].destination.port', '3390', '3389'],
    ]);
    expect(fs().readText('/cf/conf/config.xml')).toContain('<port>3389</port>');
    expect((await deploy()).action).toBe('no-op');
  });

  it('GIVEN a reload that fails on the router WHEN deployed THEN the router VM is rolled back to its snapshot, config.xml and all', async () => {
    const { client, deploy, fs, emu, guest } = await router();
    // A router whose reload script is gone: the reload fails after config.xml was written.
    expect((await exec(client, 'rm /etc/rc.reload_all')).code).toBe(0);
    const before = fs().readText('/cf/conf/config.xml');
    const boots = guest().bootCount;

    await expect(deploy()).rejects.toMatchObject({
      code: 'ENGINE_CRITICAL_ROLLED_BACK',
      cause: { code: 'PFSENSE_RELOAD_FAILED' },
    });

    // The rollback restarted the guest: read its files once it is up again.
    await emu.server.guests.waitUntilUp(VMID, 5_000);
    expect(fs().readText('/cf/conf/config.xml')).toBe(before);
    expect(guest().bootCount).toBeGreaterThan(boots);
  });
});
