import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { applyWithSafetySnapshot } from '../../../lib/engine/critical-change.ts';
import type { HandlerContext, ResourceChange } from '../../../lib/engine/handlers/handler.ts';
import { HANDLERS } from '../../../lib/engine/handlers/index.ts';
import { pfsenseConfigHandler } from '../../../lib/engine/handlers/pfsense-config-handler.ts';
import { applied, desired } from '../handler-fixture.ts';
import { FakePfsenseGuest } from './fake-pfsense-guest.ts';
import { PFSENSE_CONFIG_XML, routerSections, vpnRule } from './pfsense-fixture.ts';

const HAND_MADE_RULE = /<rule>\s*<tracker>1701234567[\s\S]*?<\/rule>/.exec(PFSENSE_CONFIG_XML)![0];
const HAND_MADE_CERT = /<cert>\s*<refid>65a1b2c3d4e5f[\s\S]*?<\/cert>/.exec(PFSENSE_CONFIG_XML)![0];

const SECRETS: Record<string, string> = {
  'generated:vpn/ca.crt':
    '-----BEGIN CERTIFICATE-----\nCAcertificateBODYabcdef0123456789\n-----END CERTIFICATE-----\n',
  'generated:vpn/ca.key':
    '-----BEGIN PRIVATE KEY-----\nCAprivateKEYbody0123456789abcdef\n-----END PRIVATE KEY-----\n',
  'generated:vpn/server.crt':
    '-----BEGIN CERTIFICATE-----\nSERVERcertificateBODY0123456789\n-----END CERTIFICATE-----\n',
  'generated:vpn/server.key':
    '-----BEGIN PRIVATE KEY-----\nSERVERprivateKEYbody0123456789ab\n-----END PRIVATE KEY-----\n',
  'generated:vpn/tls-crypt.key':
    '-----BEGIN OpenVPN Static key V1-----\nTLScryptSTATICkey0123456789abcdef\n-----END OpenVPN Static key V1-----\n',
};
const SECRET_FORMS = Object.values(SECRETS).flatMap((v) => [
  v,
  Buffer.from(v).toString('base64'),
  v.split('\n')[1]!,
]);

function sections(rules = [vpnRule('VPN clients to the RDS host', '3389'), vpnRule('Admin web', '443')]) {
  return routerSections({
    interfaces: [
      { key: 'wan', device: 'vtnet0', description: 'WAN', address: 'dhcp' },
      { key: 'lan', device: 'vtnet1', description: 'LAN', address: '10.20.0.1', prefix: 16 },
    ],
    rules,
  });
}

function props(s: Record<string, string> = sections(), reload?: 'all' | 'filter' | 'openvpn') {
  return {
    target: {
      vm_id: 100,
      node_name: 'pve1',
      host: '10.20.0.1',
      username: 'pvecdk',
      dialect: 'pfsense',
      private_key: { secret: 'generated:ssh/guest_ed25519' },
    },
    sections: s,
    secrets: Object.keys(SECRETS),
    ...(reload ? { reload } : {}),
  };
}

const PATH = 'platform/Router/Config';
let guest: FakePfsenseGuest;

function context(withGuests = true): HandlerContext {
  return {
    api: guest.api(),
    inventory: [{ type: 'qemu', vmid: 100, node: 'pve1', id: 'qemu/100', status: 'running' } as never],
    stack: 'platform',
    secrets: {
      resolve: (ref) => {
        const v = SECRETS[ref];
        if (v === undefined) throw new TypeError(`no secret ${ref}`);
        return v;
      },
    },
    ...(withGuests ? { guests: guest.transport() } : {}),
  };
}

/** Read, diff and (when something changes) apply inside the critical wrapper, as the engine does. */
async function deploy(
  resource = desired(pfsenseConfigHandler, PATH, props()),
  previous?: Record<string, unknown>,
) {
  const ctx = context();
  const observed = await pfsenseConfigHandler.read(ctx, resource);
  const change: ResourceChange = pfsenseConfigHandler.diff(resource, observed, previous as never);
  const attributes =
    change.action === 'no-op'
      ? undefined
      : await applyWithSafetySnapshot(ctx, pfsenseConfigHandler, resource, change, observed, {
          critical: true,
        });
  return { observed, change, attributes };
}

afterEach(() => guest?.dispose());

describe('pvecdk_pfsense_config handler', () => {
  it('is registered, reaches guests, locks the router VM and snapshots it', () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    const resource = desired(pfsenseConfigHandler, PATH, props());
    expect(HANDLERS.get('pvecdk_pfsense_config')).toBe(pfsenseConfigHandler);
    expect(pfsenseConfigHandler.reachesGuests).toBe(true);
    expect(pfsenseConfigHandler.locks(resource)).toEqual(['vm:100']);
    expect(pfsenseConfigHandler.snapshotTarget!(resource)).toEqual({ node: 'pve1', vmid: 100 });
  });

  it("GIVEN a router without pvecdk's entries WHEN deployed THEN they are merged, secrets filled on the router only, backed up, written whole and reloaded", async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    const { change, attributes } = await deploy();

    // The router already has a WAN and a LAN: pvecdk's interfaces make it an update.
    expect(change.action).toBe('update');
    const config = guest.config;
    expect(config).toContain(HAND_MADE_RULE);
    expect(config).toContain(HAND_MADE_CERT);
    expect(config).toContain('<descr>pvecdk: Admin web</descr>');
    // pfSense keeps certificates and keys base64 encoded.
    expect(config).toContain(
      `<prv>${Buffer.from(SECRETS['generated:vpn/server.key']!).toString('base64')}</prv>`,
    );
    expect(config).toContain(
      `<tls>${Buffer.from(SECRETS['generated:vpn/tls-crypt.key']!).toString('base64')}</tls>`,
    );
    expect(config).not.toContain('{{secret:');
    expect(config).toMatch(
      /<revision>\s*<time>\d+<\/time>\s*<description><!\[CDATA\[pvecdk: platform\/Router\/Config \(update\)/,
    );
    expect(guest.read('/cf/conf/backup/config-1733400000.xml')).toBe(PFSENSE_CONFIG_XML);
    expect(guest.exists('/tmp/config.cache')).toBe(false);
    expect(guest.reloads()).toEqual([expect.stringMatching(/^\/etc\/rc\.reload_all/)]);
    expect(attributes).toEqual({
      vm_id: 100,
      node_name: 'pve1',
      backup: '/cf/conf/backup/config-1733400000.xml',
    });
  });

  it('GIVEN a deployed router WHEN deployed again THEN the diff is empty and no changing command runs', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    await deploy();
    const before = guest.config;
    const execs = guest.execs.length;

    const { change } = await deploy();

    expect(change).toEqual({ action: 'no-op', changes: [], destroysData: false });
    expect(guest.execs.length).toBe(execs);
    expect(guest.config).toBe(before);
  });

  it('GIVEN a rule and a key edited by hand in pfSense WHEN diffed THEN the fields show, secrets masked, and deploy repairs them', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    await deploy();
    const repaired = guest.config;
    guest.config = repaired
      .replace('<port>443</port>', '<port>8443</port>')
      .replace(
        /<tls>[^<]*<\/tls>/,
        `<tls>${Buffer.from('hand-made static key 0123456789abcdef').toString('base64')}</tls>`,
      );

    const { observed, change } = await deploy();

    expect(change.action).toBe('update');
    expect(change.changes.map((c) => [c.key, c.from, c.to])).toEqual([
      ['sections.filter.rule[pvecdk: Admin web].destination.port', '8443', '443'],
      [
        'sections.openvpn.openvpn-server[pvecdk customers].tls',
        '(hidden: not the value of secret generated:vpn/tls-crypt.key)',
        '{{secret:generated:vpn/tls-crypt.key}}',
      ],
    ]);
    const shown = JSON.stringify({ observed, change });
    for (const secret of [...SECRET_FORMS, 'hand-made static key']) expect(shown).not.toContain(secret);
    expect(guest.config.replace(/<revision>[\s\S]*?<\/revision>/, '')).toBe(
      repaired.replace(/<revision>[\s\S]*?<\/revision>/, ''),
    );
    expect((await deploy()).change.action).toBe('no-op');
  });

  it('GIVEN a rule that left the plan WHEN deployed THEN it is removed and hand-made rules stay', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    const before = props();
    await deploy();

    const fewer = desired(
      pfsenseConfigHandler,
      PATH,
      props(sections([vpnRule('VPN clients to the RDS host', '3389')])),
    );
    const { change } = await deploy(fewer, before);

    expect(change.changes.map((c) => [c.key, c.to])).toEqual([
      ['sections.filter.rule[pvecdk: Admin web]', undefined],
    ]);
    expect(guest.config).not.toContain('Admin web');
    expect(guest.config).toContain(HAND_MADE_RULE);
  });

  it('GIVEN a reload that fails WHEN deployed THEN the router is rolled back to the snapshot and the error names the reload, no secret in it', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    guest.failReloads(`php error near ${SECRETS['generated:vpn/ca.key']!.split('\n')[1]}`);

    const failure = (await deploy().then(
      () => new Error('the deploy did not fail'),
      (e: unknown) => e,
    )) as Error & { code: string; cause: Error & { code: string } };

    expect(failure).toMatchObject({
      code: 'ENGINE_CRITICAL_ROLLED_BACK',
      cause: { code: 'PFSENSE_RELOAD_FAILED' },
    });
    expect(failure.message).toContain('/etc/rc.reload_all failed');
    for (const secret of SECRET_FORMS) expect(`${failure.message} ${failure.cause}`).not.toContain(secret);
    expect(guest.config).toBe(PFSENSE_CONFIG_XML);
  });

  it('GIVEN a full disk on the router WHEN written THEN the write fails, nothing is half-written and no temp file is left', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    guest.diskFullAfter = 200;

    const resource = desired(pfsenseConfigHandler, PATH, props());

    // Without the critical wrapper: the write itself must leave nothing half-done.
    await expect(
      pfsenseConfigHandler.apply(
        context(),
        resource,
        { action: 'update', changes: [], destroysData: false },
        undefined,
      ),
    ).rejects.toMatchObject({
      code: 'PFSENSE_WRITE_FAILED',
      message: expect.stringContaining('No space left'),
    });
    expect(guest.config).toBe(PFSENSE_CONFIG_XML);
    expect(readdirNames(guest.path('/cf/conf'))).toEqual(['backup', 'config.xml']);
    expect(guest.reloads()).toEqual([]);
  });

  it('GIVEN the openvpn reload WHEN deployed THEN pfSense restarts OpenVPN only', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    await deploy(desired(pfsenseConfigHandler, PATH, props(sections(), 'openvpn')));
    expect(guest.reloads()).toEqual(['/usr/local/sbin/pfSsh.php playback svc restart openvpn']);
  });

  it("GIVEN pvecdk's entries on the router WHEN the resource is deleted THEN only they go (the interfaces stay)", async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    const p = props();
    await deploy();

    await pfsenseConfigHandler.delete(
      context(),
      applied(
        pfsenseConfigHandler,
        PATH,
        { vm_id: 100, node_name: 'pve1' },
        {
          ...p,
          target: {
            ...p.target,
            vm_id: { ref: 'RouterVm', attr: 'vm_id' },
            node_name: { ref: 'RouterVm', attr: 'node_name' },
          },
        },
      ),
    );

    const config = guest.config;
    expect(config).toContain(HAND_MADE_RULE);
    expect(config).toContain(HAND_MADE_CERT);
    // The revision says pvecdk made the change; nothing else of pvecdk's is left.
    expect(config).toMatch(/<description><!\[CDATA\[pvecdk: platform\/Router\/Config \(delete\)/);
    expect(config.replace(/<revision>[\s\S]*?<\/revision>/, '')).not.toMatch(
      /pvecdk: |pvecdk-vpn|<openvpn-server>/,
    );
    expect(config).toContain('<ipaddr>10.20.0.1</ipaddr>');
  });

  it('GIVEN a run without a guest transport WHEN read THEN it refuses, naming the resource', async () => {
    guest = new FakePfsenseGuest(PFSENSE_CONFIG_XML);
    await expect(
      pfsenseConfigHandler.read(context(false), desired(pfsenseConfigHandler, PATH, props())),
    ).rejects.toMatchObject({ code: 'GUEST_NO_TRANSPORT', message: expect.stringContaining(PATH) });
  });
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir).sort();
}
